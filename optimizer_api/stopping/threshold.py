"""Threshold: stop a trial whose latest value is worse than a fixed bound.

The user's own knowledge ("an accuracy below 0.5 after 3 epochs is hopeless"), so it
needs no other trial. Non-finite values never reach a rule (they are not part of the
curve), so a diverged run is the service's, not this rule's, to handle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..domain import Direction, Trial
from .base import CONTINUE, Decision, Rule, check_known, fmt, int_option, number_option


class ThresholdRule(Rule):
    """Stop at or after step `min_step` when the latest value is worse than `bound`."""

    name = "threshold"
    defaults = {"bound": None, "min_step": 0}

    def validate_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Fill defaults; `bound` is required.

        Args:
            options: `bound` (number): values worse than it stop the trial (below it when
                maximizing, above it when minimizing); `min_step` (int >= 0): the first
                step at which the bound applies.

        Raises:
            ValueError: an unknown or missing option or a bad value, naming the option.
        """
        check_known(options, self.defaults, self.name)
        return {
            "bound": number_option(options, "bound", None),
            "min_step": int_option(options, "min_step", self.defaults["min_step"], 0),
        }

    def judge(
        self, trial: Trial, points: list[tuple[int, float]], others: Sequence[Trial],
        direction: Direction, opts: dict[str, Any],
    ) -> Decision:
        if points[-1][0] < opts["min_step"]:
            return CONTINUE
        step, value = points[-1]
        if not direction.better(opts["bound"], value):
            return CONTINUE
        side = "below" if direction is Direction.MAXIMIZE else "above"
        return Decision(
            True, f"{fmt(value)} at step {step} is {side} the bound {fmt(opts['bound'])}"
        )
