"""Asynchronous successive halving, ASHA (Li et al. 2018, arXiv 1810.05934).

Rungs sit at steps min_resource * reduction_factor**k (k = 0, 1, ...) below
max_resource. When a trial reaches a rung it continues only if its value there (the one
reported at the first step at or after the rung, as in the paper) is in the top
1/reduction_factor of the trials that have reached that rung so far. Being
asynchronous, the rule decides with whoever is there: while fewer than reduction_factor
trials have reached a rung, nobody can be outside its top fraction, so the trial goes on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..domain import Direction, Trial, TrialState
from .base import (
    CONTINUE,
    FIRST_AT_OR_AFTER,
    Cohort,
    Decision,
    Rule,
    check_known,
    curve,
    fmt,
    int_option,
)

# A failed trial's value at a rung may come from a diverging run: leave it out.
COUNTED = (TrialState.COMPLETED, TrialState.PRUNED, TrialState.RUNNING, TrialState.EXPIRED)


def rungs(min_resource: int, reduction_factor: int, max_resource: int | None, upto: int):
    """The rung steps <= `upto` (and < max_resource), increasing."""
    rung = min_resource
    while rung <= upto and (max_resource is None or rung < max_resource):
        yield rung
        rung *= reduction_factor


def value_at_rung(points: Sequence[tuple[int, float]], rung: int) -> float | None:
    """The value of the first report at or after `rung`; None if the curve never got there."""
    return next((v for step, v in points if step >= rung), None)


def _rung_reached(points: Sequence[tuple[int, float]], opts) -> int | None:
    """The highest rung the latest report crossed (decided there, never again), or None."""
    if not points:
        return None
    step = points[-1][0]
    previous = points[-2][0] if len(points) > 1 else None
    ladder = rungs(opts["min_resource"], opts["reduction_factor"], opts["max_resource"], step)
    crossed = [r for r in ladder if previous is None or previous < r]
    return crossed[-1] if crossed else None


class ASHARule(Rule):
    """Continue at a rung only within the top 1/reduction_factor of the trials there."""

    name = "asha"
    # Chosen on the tuning seeds of benchmarks/early_stopping.py (results/*.tuning.md).
    defaults = {"min_resource": 3, "reduction_factor": 2, "max_resource": None}

    def validate_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Fill defaults.

        Args:
            options: `min_resource` (int >= 1): the first rung's step;
                `reduction_factor` (int >= 2): rung spacing and the inverse kept fraction;
                `max_resource` (int > min_resource, or None): no rung at or beyond it.

        Raises:
            ValueError: an unknown option or a bad value, naming the option.
        """
        check_known(options, self.defaults, self.name)
        low = int_option(options, "min_resource", self.defaults["min_resource"], 1)
        eta = int_option(options, "reduction_factor", self.defaults["reduction_factor"], 2)
        high = options.get("max_resource")
        if high is not None:
            high = int_option(options, "max_resource", None, low + 1)
        return {"min_resource": low, "reduction_factor": eta, "max_resource": high}

    def judge(
        self, trial: Trial, points: list[tuple[int, float]], others: Sequence[Trial],
        direction: Direction, opts: dict[str, Any],
    ) -> Decision:
        rung = _rung_reached(points, opts)
        if rung is None:
            return CONTINUE
        return self._judge(points, rung, others, trial.id, direction, opts)

    def cohort(self, trial: Trial, options: Mapping[str, Any]) -> Cohort | None:
        """The others' values at the rung the latest report reached, if it reached one."""
        rung = _rung_reached(curve(trial), self.validate_options(options))
        return None if rung is None else Cohort(rung, FIRST_AT_OR_AFTER, COUNTED)

    def _judge(self, points, rung, others, trial_id, direction, opts) -> Decision:
        """Keep the trial iff fewer than n // reduction_factor trials at `rung` beat it."""
        mine = value_at_rung(points, rung)
        values = [
            v
            for other in others
            if other.id != trial_id and other.state in COUNTED
            if (v := value_at_rung(curve(other), rung)) is not None
        ]
        keep = (len(values) + 1) // opts["reduction_factor"]
        beaten_by = sum(direction.better(v, mine) for v in values)
        if keep == 0 or beaten_by < keep:
            return CONTINUE
        ranked = sorted(values, reverse=direction is Direction.MAXIMIZE)
        return Decision(
            True,
            f"{fmt(mine)} at rung {rung} is outside the top {keep} of {len(values) + 1}"
            f" trials there (cut-off {fmt(ranked[keep - 1])})",
        )
