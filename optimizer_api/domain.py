"""Plain data of the domain: studies, trials and their states. No I/O."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any


class Direction(str, enum.Enum):
    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"

    def better(self, a: float, b: float) -> bool:
        """True when value `a` is strictly better than `b`."""
        return a < b if self is Direction.MINIMIZE else a > b


class TrialState(str, enum.Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    PRUNED = "pruned"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def finished(self) -> bool:
        return self is not TrialState.RUNNING


# States that count toward max_trials: the trial has, or is producing, a result.
COUNTED_STATES = (TrialState.RUNNING, TrialState.COMPLETED, TrialState.PRUNED)
# States whose value may be the study's best.
VALUED_STATES = (TrialState.COMPLETED,)


@dataclass(frozen=True)
class Trial:
    """One trial as samplers and rules see it."""

    id: int
    number: int
    state: TrialState
    params: dict[str, Any]
    value: float | None = None
    intermediate: dict[int, float] = field(default_factory=dict)
    grid_index: int | None = None


def is_finite_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
