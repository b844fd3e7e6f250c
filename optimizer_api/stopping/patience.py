"""Patience: stop a trial whose own curve has stopped improving.

At step s, compare the best value of the last `patience` steps, (s - patience, s], with
the best value before them. Without an improvement of more than `min_delta`, stop. The
rule looks at this trial alone: it saves the tail of converged runs, not bad runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..domain import Direction, Trial
from .base import (
    CONTINUE,
    Decision,
    Rule,
    best,
    check_known,
    fmt,
    int_option,
    number_option,
)


class PatienceRule(Rule):
    """Stop when the value has not improved by more than min_delta for `patience` steps."""

    name = "patience"
    # Shorter patience stopped good but noisy curves in benchmarks/early_stopping.py.
    defaults = {"patience": 10, "min_delta": 0.0}

    def validate_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Fill defaults.

        Args:
            options: `patience` (int >= 1): steps without improvement before stopping;
                `min_delta` (number >= 0): the smallest change that counts as improvement.

        Raises:
            ValueError: an unknown option or a bad value, naming the option.
        """
        check_known(options, self.defaults, self.name)
        return {
            "patience": int_option(options, "patience", self.defaults["patience"], 1),
            "min_delta": float(number_option(options, "min_delta", 0.0, low=0.0)),
        }

    def judge(
        self, trial: Trial, points: list[tuple[int, float]], others: Sequence[Trial],
        direction: Direction, opts: dict[str, Any],
    ) -> Decision:
        cut = points[-1][0] - opts["patience"]
        before = [v for s, v in points if s <= cut]
        recent = [v for s, v in points if s > cut]
        if not before or not recent:  # not yet `patience` steps of history
            return CONTINUE
        old, new = best(before, direction), best(recent, direction)
        gain = new - old if direction is Direction.MAXIMIZE else old - new
        if gain > opts["min_delta"]:
            return CONTINUE
        return Decision(
            True,
            f"no improvement by more than {fmt(opts['min_delta'])} on the best {fmt(old)}"
            f" in the last {opts['patience']} steps",
        )
