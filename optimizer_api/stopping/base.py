"""What every early-stopping rule takes and returns, and the curve helpers they share.

A rule is a pure function of one trial's learning curve (its intermediate values,
step -> value) and the other trials' curves. Steps are the client's resource units
(epochs, batches, seconds): rules only compare them, never assume they are contiguous.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..domain import Direction, Trial, TrialState


@dataclass(frozen=True)
class Decision:
    """Whether to stop the trial now, and a short sentence saying why (None to continue)."""

    stop: bool
    reason: str | None = None


CONTINUE = Decision(False, None)
MEAN_UP_TO, FIRST_AT_OR_AFTER = "mean_up_to", "first_at_or_after"


@dataclass(frozen=True)
class Cohort:
    """What a rule needs of the other trials to judge this report: one number each.

    For every other trial in `states`, the mean of its values at steps <= `step` if its
    curve reaches `step` (MEAN_UP_TO), or its first value at a step >= `step`
    (FIRST_AT_OR_AFTER). The service reads just that and hands the rule each such trial
    with a one-point curve that gives the rule the same answer as the whole curve, so a
    report costs one number per trial, whatever the curves' lengths.
    """

    step: int
    kind: str
    states: tuple[TrialState, ...]


class Rule:
    """An early-stopping rule, by the name a study definition uses.

    `should_stop` fills the options' defaults, reads the trial's finite curve and lets a
    trial without one go on; a rule's `judge` decides the rest. A rule that compares the
    trial with the others says, through `cohort`, which one number of each other trial
    it needs (the service reads just that, before the write lock).
    """

    name: str

    def validate_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """The options with defaults filled in, or ValueError naming the bad option."""
        raise NotImplementedError

    def cohort(self, trial: Trial, options: Mapping[str, Any]) -> Cohort | None:
        """What of the others `should_stop` needs for the trial's latest report; None:
        nothing (it judges this report on the trial's own curve, or not at all)."""
        return None

    def should_stop(
        self,
        trial: Trial,
        others: Sequence[Trial],
        direction: Direction,
        options: Mapping[str, Any],
    ) -> Decision:
        opts = self.validate_options(options)
        points = curve(trial)
        return self.judge(trial, points, others, direction, opts) if points else CONTINUE

    def judge(
        self, trial: Trial, points: list[tuple[int, float]], others: Sequence[Trial],
        direction: Direction, opts: dict[str, Any],
    ) -> Decision:
        """The decision on a trial whose finite curve `points` (by step) is not empty."""
        raise NotImplementedError


def last_step(trial: Trial) -> int | None:
    """The step of the trial's latest finite value, or None."""
    steps = [s for s, v in trial.intermediate.items() if _finite(v)]
    return max(steps) if steps else None


def curve(trial: Trial) -> list[tuple[int, float]]:
    """The trial's finite intermediate values as (step, value), by increasing step."""
    return sorted((s, v) for s, v in trial.intermediate.items() if _finite(v))


def best(values: Sequence[float], direction: Direction) -> float:
    return max(values) if direction is Direction.MAXIMIZE else min(values)


def running_average(trial: Trial, step: int) -> float | None:
    """Mean of the trial's finite values at steps <= `step`; None if its curve ends before.

    One pass, no sorting: the median rule calls it for every trial of the study.
    """
    total, count, reached = 0.0, 0, False
    for s, v in trial.intermediate.items():
        if _finite(v):
            reached = reached or s >= step
            if s <= step:
                total, count = total + v, count + 1
    return total / count if reached and count else None


def fmt(x: float) -> str:
    """A value as a reason sentence shows it."""
    return f"{x:.4g}"


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


# --- option validation ---------------------------------------------------------------


def check_known(options: Mapping[str, Any], defaults: Mapping[str, Any], rule: str) -> None:
    """ValueError naming the options `rule` does not have."""
    if not isinstance(options, Mapping):
        raise ValueError(f"options of early-stopping rule {rule!r} must be an object")
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise ValueError(f"unknown option(s) {unknown} for early-stopping rule {rule!r}")


def int_option(options: Mapping[str, Any], name: str, default: int, low: int) -> int:
    """Option `name` as an int >= low; ValueError naming it otherwise."""
    value = options.get(name, default)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ValueError(f"option {name!r} must be an integer >= {low}, got {value!r}")
    return value


def number_option(
    options: Mapping[str, Any], name: str, default: float | None, low: float | None = None
) -> float:
    """Option `name` as a finite number (>= low if given); ValueError naming it otherwise."""
    value = options.get(name, default)
    if value is None:
        raise ValueError(f"option {name!r} is required")
    if not _finite(value) or (low is not None and value < low):
        bound = f" >= {low}" if low is not None else ""
        raise ValueError(f"option {name!r} must be a finite number{bound}, got {value!r}")
    return value
