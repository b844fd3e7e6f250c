"""`OptimizerSearchCV`: scikit-learn's search-with-cross-validation, steered by the service.

A drop-in for `GridSearchCV` / `RandomizedSearchCV`: the service chooses the candidates
(any algorithm: grid, random, quasi-random, bayesian), scikit-learn cross-validates them
(`n_jobs` in parallel), and each candidate's mean test score goes back to the study.
This module needs scikit-learn; `import optimizer_client` alone never imports it.
"""

from __future__ import annotations

import math
import os
import uuid
from typing import Any

from joblib import effective_n_jobs
from sklearn.model_selection._search import BaseSearchCV

from .client import Client

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_N_ITER = 10
_SCALARS = (str, int, float, bool)
_DISTRIBUTIONS = {
    "loguniform": ("float", True),
    "reciprocal": ("float", True),
    "uniform": ("float", False),
    "randint": ("int", False),
}


def to_space(param_space: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict]]:
    """Translate a scikit-learn parameter grid or distribution dict to a study space.

    Accepted per parameter: a study parameter (`{"type": ...}`, which may carry a
    `when` to be active only for some values of a categorical: the estimator then keeps
    its default for it), a list of values (a categorical; values that JSON cannot carry
    travel as labels), or a frozen `scipy.stats` `loguniform`, `uniform` or `randint`.

    Returns:
        The space, and for each labelled categorical the map from label back to value.
    """
    if not isinstance(param_space, dict):
        raise TypeError("param_space must be a dict (a list of grids is not supported)")
    space, labels = {}, {}
    for name, spec in param_space.items():
        if isinstance(spec, dict):
            space[name] = spec
        elif isinstance(spec, list | tuple) or hasattr(spec, "tolist"):  # numpy arrays too
            values = spec.tolist() if hasattr(spec, "tolist") else list(spec)
            space[name], mapping = _categorical(values)
            if mapping:
                labels[name] = mapping
        elif hasattr(spec, "dist") and hasattr(spec, "support"):
            space[name] = _from_distribution(name, spec)
        else:
            raise TypeError(f"{name}: expected a list, a scipy.stats distribution or a dict")
    return space, labels


def _categorical(values: list) -> tuple[dict[str, Any], dict[str, Any]]:
    """A categorical parameter; values other than distinct JSON scalars travel as labels."""
    plain = all(type(v) in _SCALARS for v in values) and len(set(map(repr, values))) == len(values)
    if plain and len({type(v) is bool for v in values}) == 1:
        return {"type": "categorical", "choices": values}, {}
    mapping = {f"{i}: {v!r}"[:200]: v for i, v in enumerate(values)}
    return {"type": "categorical", "choices": list(mapping)}, mapping


def _from_distribution(name: str, dist: Any) -> dict[str, Any]:
    kind = _DISTRIBUTIONS.get(dist.dist.name)
    if kind is None:
        raise TypeError(f"{name}: scipy.stats.{dist.dist.name} has no study parameter type")
    low, high = (float(b) for b in dist.support())
    if kind[0] == "int":
        return {"type": "int", "low": int(low), "high": int(high)}
    return {"type": "float", "low": low, "high": high, "log": kind[1]}


class OptimizerSearchCV(BaseSearchCV):
    """Search hyperparameters with cross-validation, the candidates chosen by optimizer-api.

    Args:
        estimator: the scikit-learn estimator to tune.
        param_space: parameter name -> list of values, scipy.stats distribution, or a
            study parameter dict (see `to_space`).
        n_iter: how many candidates; None: 10, or the whole grid with `algorithm="grid"`.
        algorithm: the study's algorithm, a name or {"name": ..., "options": {...}}.
        url: the service; None reads OPTIMIZER_URL (default http://127.0.0.1:8000).
        study_name: None creates a fresh study per `fit`; a name creates or loads it.
        random_state: the study's seed.
        batch_size: candidates asked for and cross-validated at a time; None: as many
            as `n_jobs` runs at once.
        scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score,
            return_train_score: as in `GridSearchCV`.

    After `fit`, besides scikit-learn's attributes (`best_params_`, `best_score_`,
    `best_estimator_`, `cv_results_` with a `trial_number` column): `study_id_`.
    """

    def __init__(
        self,
        estimator,
        param_space,
        *,
        n_iter=None,
        algorithm="random",
        url=None,
        study_name=None,
        random_state=None,
        batch_size=None,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        error_score=math.nan,
        return_train_score=False,
    ):
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_space = param_space
        self.n_iter = n_iter
        self.algorithm = algorithm
        self.url = url
        self.study_name = study_name
        self.random_state = random_state
        self.batch_size = batch_size

    def _run_search(self, evaluate_candidates) -> None:
        """Ask the study for candidates, cross-validate them, report their mean scores."""
        space, labels = to_space(self.param_space)
        n_iter = self.n_iter
        if n_iter is None and self._algorithm_name() != "grid":
            n_iter = DEFAULT_N_ITER
        name = self.study_name or f"sklearn-{type(self.estimator).__name__}-{uuid.uuid4().hex}"
        batch = self.batch_size or max(1, effective_n_jobs(self.n_jobs))
        worker = f"sklearn-{uuid.uuid4().hex[:12]}"
        url = self.url or os.environ.get("OPTIMIZER_URL", DEFAULT_URL)
        with Client(url) as client:
            study = client.create_study(
                name,
                space,
                direction="maximize",
                algorithm=self.algorithm,
                max_trials=n_iter,
                max_failed_trials=n_iter,
                seed=self.random_state,
            )
            self.study_id_ = study.id
            while trials := study.suggest_many(batch, worker_id=worker):
                candidates = [_decode(t.params, labels) for t in trials]
                numbers = {"trial_number": [t.number for t in trials]}
                results = evaluate_candidates(candidates, more_results=numbers)
                scores = results[self._score_key(results)][-len(trials) :]
                for trial, score in zip(trials, scores, strict=True):
                    if math.isfinite(score):
                        trial.complete(float(score))
                    else:
                        trial.fail("no finite cross-validation score (error_score)")

    def _algorithm_name(self) -> str:
        algorithm = self.algorithm
        return algorithm if isinstance(algorithm, str) else algorithm.get("name", "")

    def _score_key(self, results: dict) -> str:
        """The mean test score that ranks candidates: the refit metric's with several."""
        if "mean_test_score" in results:
            return "mean_test_score"
        if isinstance(self.refit, str) and f"mean_test_{self.refit}" in results:
            return f"mean_test_{self.refit}"
        return next(k for k in results if k.startswith("mean_test_"))


def _decode(params: dict[str, Any], labels: dict[str, dict]) -> dict[str, Any]:
    """The trial's params with labelled categoricals mapped back to their values."""
    return {k: labels[k][v] if k in labels else v for k, v in params.items()}
