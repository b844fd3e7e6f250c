"""The median stopping rule (Golovin et al. 2017, "Google Vizier", section 3.2.2).

Stop a trial at step s when its best value so far is strictly worse than the median of
the completed trials' running averages up to step s. A running average smooths a noisy
curve; comparing it with the trial's *best* value makes the rule forgiving: a trial
stops only when even its best moment is below what a typical finished trial averaged.

Only completed trials count, as in the paper. Counting pruned trials as well (up to the
step they reached) lowers the median with the very trials the rule stopped, and on
benchmarks/early_stopping.py cost 20-40% more epochs for no better final accuracy.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from ..domain import Direction, Trial, TrialState
from .base import (
    CONTINUE,
    MEAN_UP_TO,
    Cohort,
    Decision,
    Rule,
    best,
    check_known,
    fmt,
    int_option,
    last_step,
    running_average,
)

COUNTED = (TrialState.COMPLETED,)


class MedianRule(Rule):
    """Stop a trial whose best value is worse than the median running average of the others."""

    name = "median"
    # Chosen on the tuning seeds of benchmarks/early_stopping.py (results/*.tuning.md).
    defaults = {"min_steps": 2, "min_trials": 3}

    def validate_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Fill defaults; `min_steps` is the grace period, `min_trials` the quorum.

        Args:
            options: `min_steps` (int >= 0): never stop before step `min_steps`;
                `min_trials` (int >= 1): how many completed trials must have reached the
                step.

        Raises:
            ValueError: an unknown option or a bad value, naming the option.
        """
        check_known(options, self.defaults, self.name)
        return {
            "min_steps": int_option(options, "min_steps", self.defaults["min_steps"], 0),
            "min_trials": int_option(options, "min_trials", self.defaults["min_trials"], 1),
        }

    def cohort(self, trial: Trial, options: Mapping[str, Any]) -> Cohort | None:
        """The completed trials' running averages at the trial's latest step."""
        step = last_step(trial)
        if step is None or step < self.validate_options(options)["min_steps"]:
            return None
        return Cohort(step, MEAN_UP_TO, COUNTED)

    def judge(
        self, trial: Trial, points: list[tuple[int, float]], others: Sequence[Trial],
        direction: Direction, opts: dict[str, Any],
    ) -> Decision:
        step = points[-1][0]
        if step < opts["min_steps"]:
            return CONTINUE
        averages = [
            avg
            for other in others
            if other.id != trial.id and other.state in COUNTED
            if (avg := running_average(other, step)) is not None
        ]
        if len(averages) < opts["min_trials"]:
            return CONTINUE
        mine = best([v for _, v in points], direction)
        median = statistics.median(averages)
        if not direction.better(median, mine):
            return CONTINUE
        return Decision(
            True,
            f"best {fmt(mine)} by step {step} is worse than the median {fmt(median)}"
            f" of {len(averages)} completed trials",
        )
