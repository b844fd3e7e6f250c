"""Ray Tune on a study: Ray runs the trials on its cluster, the service chooses them.

`OptimizerSearch` is a Ray Tune `Searcher`: each Ray trial's configuration is a trial
suggested by the study, its reported results go to the study as intermediate values, and
its end as the final value (or a failure). `OptimizerScheduler` makes the study's early-
stopping decisions stop Ray trials: Ray asks its scheduler first about each result and
stops the trial on `STOP` (a `Searcher` alone cannot stop a trial; Ray's own ASHA and
median-stopping rules are schedulers too).

    study = client.create_study("mlp", space, direction="minimize", algorithm="bayesian",
                                max_trials=40, early_stopping={"rule": "median"})
    search = OptimizerSearch(study, metric="loss")
    tuner = tune.Tuner(train, tune_config=tune.TuneConfig(
        search_alg=search, scheduler=OptimizerScheduler(search), num_samples=-1,
        max_concurrent_trials=4))
    tuner.fit()

`num_samples=-1` lets the study decide when to stop (its max_trials and other criteria):
the searcher answers FINISHED when the study is completed. Needs `pip install
optimizer-client[ray]`; `import optimizer_client` alone never imports Ray.
"""

from __future__ import annotations

import math
import time
from typing import Any

from ray.tune.schedulers import FIFOScheduler, TrialScheduler
from ray.tune.search import Searcher

from .study import Study
from .trial import Trial

MODES = {"minimize": "min", "maximize": "max"}
STEP_KEY = "training_iteration"  # Ray numbers each trial's results 1, 2, ...
# While the study has nothing to hand out (its running trials fill max_trials, or a
# quota), Ray asks again on every loop of its controller: ask the service at most this often.
EMPTY_RETRY_SECONDS = 0.5


class OptimizerSearch(Searcher):
    """A Ray Tune searcher whose configurations are the trials of a study.

    Args:
        study: the study (its space and direction are the search's).
        metric: the key of Ray's results that is the study's value. Ray passes
            `TuneConfig(metric=...)` to a searcher only with a `param_space`, and to
            `OptimizerScheduler` always; one of the three must name it.
        mode: "min" or "max"; must agree with the study's direction (None: from it).

    Raises:
        ValueError: `mode` contradicts the study's direction.
    """

    def __init__(self, study: Study, metric: str | None = None, mode: str | None = None):
        _check_mode(study, mode)
        super().__init__(metric=metric, mode=MODES[study.direction])
        self.study = study
        self._trials: dict[str, Trial] = {}  # Ray's trial id -> the study's running trial
        self._last_step: dict[str, Any] = {}  # the last step reported, per Ray trial id
        self._stopped: set[str] = set()  # Ray trials the study said to stop
        self._empty_at = -math.inf

    @classmethod
    def create(cls, client, name: str, space: dict, metric: str, mode: str,
               **definition: Any) -> OptimizerSearch:
        """Create (or load) the study `name` minimizing or maximizing `metric` by `mode`."""
        direction = {v: k for k, v in MODES.items()}.get(mode)
        if direction is None:
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        study = client.create_study(name, space, direction=direction, **definition)
        return cls(study, metric=metric, mode=mode)

    def set_search_properties(self, metric: str | None, mode: str | None, config: dict,
                              **spec: Any) -> bool:
        """Take Tune's metric if none was given; its mode must match the study's."""
        _check_mode(self.study, mode)
        if metric and self._metric and metric != self._metric:
            return False  # Ray then reports the conflict
        self._metric = self._metric or metric
        return True

    def suggest(self, trial_id: str) -> dict[str, Any] | str | None:
        """The study's next trial for Ray trial `trial_id`; FINISHED when the study is."""
        if self.metric is None:
            raise ValueError("OptimizerSearch needs a metric: OptimizerSearch(study, metric=...)")
        if time.monotonic() - self._empty_at < EMPTY_RETRY_SECONDS:
            return None
        trial = self.study.suggest()
        if trial is None:
            if self.study.status != "running":
                return Searcher.FINISHED
            self._empty_at = time.monotonic()
            return None  # trials still running hold max_trials: ask again later
        self._trials[trial_id] = trial
        return dict(trial.params)

    def report(self, trial_id: str, result: dict[str, Any]) -> bool:
        """Send one Ray result to the study as an intermediate value (once per step);
        whether the study says the trial should stop."""
        trial = self._trials.get(trial_id)
        value, step = result.get(self.metric), result.get(STEP_KEY)
        if trial is None or not _finite(value) or not isinstance(step, int):
            return False
        if self._last_step.get(trial_id) != step:
            self._last_step[trial_id] = step
            if trial.report(step, float(value)):
                self._stopped.add(trial_id)
        return trial_id in self._stopped

    def on_trial_result(self, trial_id: str, result: dict[str, Any]) -> None:
        """Report the result (already done if `OptimizerScheduler` saw it first)."""
        self.report(trial_id, result)

    def on_trial_complete(self, trial_id: str, result: dict[str, Any] | None = None,
                          error: bool = False) -> None:
        """The trial's final value, its pruning (stopped by the study) or its failure."""
        trial = self._trials.pop(trial_id, None)
        self._last_step.pop(trial_id, None)
        stopped = trial_id in self._stopped
        self._stopped.discard(trial_id)
        if trial is None:
            return
        value = (result or {}).get(self.metric)
        if error:
            trial.fail("the Ray trial raised an error (see Ray's logs)")
        elif stopped:
            trial.prune()
        elif _finite(value):
            trial.complete(float(value))
        else:
            trial.fail(f"no finite {self.metric!r} in the Ray trial's last result")


class OptimizerScheduler(FIFOScheduler):
    """Ray's scheduler that stops a trial when the study's early-stopping rule says so.

    Ray asks its scheduler about each result before the searcher; this one reports the
    result to the study through `searcher` and answers STOP on `should_stop`.
    """

    def __init__(self, searcher: OptimizerSearch):
        super().__init__()
        self.searcher = searcher

    def set_search_properties(self, metric: str | None, mode: str | None, **spec: Any) -> bool:
        """Hand Tune's metric and mode to the searcher (Ray always calls this one)."""
        return self.searcher.set_search_properties(metric, mode, {})

    def on_trial_result(self, tune_controller, trial, result: dict[str, Any]) -> str:
        if self.searcher.report(trial.trial_id, result):
            return TrialScheduler.STOP
        return TrialScheduler.CONTINUE


def _check_mode(study: Study, mode: str | None) -> None:
    if mode is not None and mode != MODES[study.direction]:
        raise ValueError(
            f"mode {mode!r} contradicts the study's direction {study.direction!r} "
            f"(expected {MODES[study.direction]!r})"
        )


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
