"""`OptimizerSearchCV`: scikit-learn's search-with-cross-validation, steered by the service.

A drop-in for `GridSearchCV` / `RandomizedSearchCV`: the service chooses the candidates
(any algorithm: grid, random, quasi-random, bayesian), scikit-learn cross-validates them
(`n_jobs` in parallel), and each candidate's mean test score goes back to the study.
Built on scikit-learn's public API only (`BaseEstimator`, `clone`, `check_cv`,
`cross_validate`, `available_if`), so no scikit-learn release can break it by moving a
private module. This module needs scikit-learn; `import optimizer_client` alone never
imports it.
"""

from __future__ import annotations

import math
import os
import time
import uuid
import warnings
from typing import Any

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv, cross_validate
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .client import Client

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_N_ITER = 10
FAILED = "failed"  # the key of a failed candidate's cross_validate result: why
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


def _best_has(attr: str):
    """For `available_if`: the fitted best estimator (or, before fit, the estimator) has
    `attr`, so `hasattr(search, "predict_proba")` answers as for GridSearchCV."""

    def check(self) -> bool:
        est = getattr(self, "best_estimator_", self.estimator)
        getattr(est, attr)
        return True

    return check


class OptimizerSearchCV(MetaEstimatorMixin, BaseEstimator):
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

    After `fit`, like `GridSearchCV`: `cv_results_` (with a `trial_number` column),
    `best_index_`, `best_params_`, `best_score_`, `best_estimator_` (with `refit`),
    `refit_time_`, `scorer_`, `n_splits_`, `multimetric_`; and `study_id_`. `predict`,
    `predict_proba`, `decision_function`, `transform`, `score` ... go to the best estimator.
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
        self.estimator = estimator
        self.param_space = param_space
        self.n_iter = n_iter
        self.algorithm = algorithm
        self.url = url
        self.study_name = study_name
        self.random_state = random_state
        self.batch_size = batch_size
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.verbose = verbose
        self.pre_dispatch = pre_dispatch
        self.error_score = error_score
        self.return_train_score = return_train_score

    def fit(self, X, y=None, *, groups=None, **params):
        """Run the study: cross-validate each suggested candidate, report its mean score,
        then refit the best on all of X (with `refit`). `params` go to the estimator's fit."""
        self.multimetric_ = not (self.scoring is None or callable(self.scoring)
                                 or isinstance(self.scoring, str))
        if self.multimetric_ and self.refit is not False and not isinstance(self.refit, str):
            raise ValueError("with several metrics, refit must name one of them, or be False")
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(cv.split(X, y, groups))  # the same folds for every candidate
        self.n_splits_ = len(splits)
        runs: list[tuple[dict, int, dict]] = []
        for candidates, numbers, batch in self._search(X, y, splits, params):
            runs.extend(zip(candidates, numbers, batch, strict=True))
        if not runs:
            raise ValueError("the study suggested no candidate (is it already finished?)")
        if all(FAILED in r for _, _, r in runs):
            raise ValueError(f"every candidate failed; the first: {runs[0][2][FAILED]}")
        self.cv_results_ = _results(runs, self.return_train_score)
        key = self._rank_metric()
        self.best_index_ = int(np.nanargmin(self.cv_results_[f"rank_test_{key}"]))
        self.best_params_ = self.cv_results_["params"][self.best_index_]
        self.best_score_ = float(self.cv_results_[f"mean_test_{key}"][self.best_index_])
        self.scorer_ = self._scorer()
        if self.refit is not False:
            start = time.perf_counter()
            best = clone(self.estimator).set_params(**clone(self.best_params_, safe=False))
            self.best_estimator_ = best.fit(X, y, **params)
            self.refit_time_ = time.perf_counter() - start
        return self

    def _search(self, X, y, splits, params):
        """Yield (candidates, trial numbers, cross_validate results) per batch of trials."""
        space, labels = to_space(self.param_space)
        n_iter = self.n_iter
        if n_iter is None and self._algorithm_name() != "grid":
            n_iter = DEFAULT_N_ITER
        name = self.study_name or f"sklearn-{type(self.estimator).__name__}-{uuid.uuid4().hex}"
        batch = self.batch_size or max(1, effective_n_jobs(self.n_jobs))
        worker = f"sklearn-{uuid.uuid4().hex[:12]}"
        url = self.url or os.environ.get("OPTIMIZER_URL", DEFAULT_URL)
        parallel = Parallel(n_jobs=self.n_jobs, verbose=self.verbose,
                            pre_dispatch=self.pre_dispatch)
        with Client(url) as client:
            study = client.create_study(
                name, space, direction="maximize", algorithm=self.algorithm,
                max_trials=n_iter, max_failed_trials=n_iter, seed=self.random_state,
            )
            self.study_id_ = study.id
            while trials := study.suggest_many(batch, worker_id=worker):
                candidates = [_decode(t.params, labels) for t in trials]
                results = parallel(
                    delayed(_cross_validate)(
                        clone(self.estimator).set_params(**clone(c, safe=False)), X, y,
                        cv=splits, scoring=self.scoring, return_train_score=self.return_train_score,
                        error_score=self.error_score, params=params,
                    )
                    for c in candidates
                )
                key = f"test_{self._rank_metric()}"
                for trial, result in zip(trials, results, strict=True):
                    score = float(np.mean(result[key]))
                    if math.isfinite(score):
                        trial.complete(score)
                    else:
                        trial.fail("no finite cross-validation score (error_score)")
                yield candidates, [t.number for t in trials], results

    def _algorithm_name(self) -> str:
        algorithm = self.algorithm
        return algorithm if isinstance(algorithm, str) else algorithm.get("name", "")

    def _rank_metric(self) -> str:
        """The metric that ranks candidates: "score", or with several the refit one (the
        first when refit is False)."""
        if not self.multimetric_:
            return "score"
        if isinstance(self.refit, str):
            return self.refit
        names = list(self.scoring) if isinstance(self.scoring, dict | list | tuple) else []
        return names[0] if names else "score"

    def _scorer(self):
        if not self.multimetric_:
            return check_scoring(self.estimator, scoring=self.scoring)
        scoring = self.scoring
        if isinstance(scoring, list | tuple | set):
            scoring = {name: name for name in scoring}
        return {name: check_scoring(self.estimator, scoring=s) for name, s in scoring.items()}

    def score(self, X, y=None, **params) -> float:
        """The best estimator's score on (X, y), by the search's scoring (the refit metric)."""
        check_is_fitted(self, "best_estimator_")
        scorer = self.scorer_[self.refit] if self.multimetric_ else self.scorer_
        return float(scorer(self.best_estimator_, X, y, **params))

    @available_if(_best_has("predict"))
    def predict(self, X):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X)

    @available_if(_best_has("predict_proba"))
    def predict_proba(self, X):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_proba(X)

    @available_if(_best_has("predict_log_proba"))
    def predict_log_proba(self, X):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_log_proba(X)

    @available_if(_best_has("decision_function"))
    def decision_function(self, X):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.decision_function(X)

    @available_if(_best_has("transform"))
    def transform(self, X):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.transform(X)

    @available_if(_best_has("inverse_transform"))
    def inverse_transform(self, X):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.inverse_transform(X)

    @property
    def classes_(self):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.classes_

    @property
    def n_features_in_(self):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.n_features_in_


def _cross_validate(estimator, X, y, *, cv, scoring, return_train_score, error_score, params):
    """`cross_validate`, but a candidate whose every fold fails scores `error_score` (with
    a FitFailedWarning, as in GridSearchCV) instead of ending the search."""
    try:
        return cross_validate(estimator, X, y, cv=cv, scoring=scoring, params=params,
                              return_train_score=return_train_score, error_score=error_score)
    except ValueError as exc:
        if error_score == "raise":
            raise
        warnings.warn(f"every fit of {estimator!r} failed: {exc}", FitFailedWarning,
                      stacklevel=2)
        names = ["score"] if scoring is None or callable(scoring) or isinstance(scoring, str) \
            else list(scoring)
        sets = ("test", "train") if return_train_score else ("test",)
        failed = {f"{which}_{name}": np.full(len(cv), float(error_score))
                  for which in sets for name in names}
        zeros = np.zeros(len(cv))
        return {"fit_time": zeros, "score_time": zeros, **failed, FAILED: str(exc)[:500]}


def _results(runs: list[tuple[dict, int, dict]], train: bool) -> dict[str, Any]:
    """`cv_results_` as GridSearchCV lays it out, from (candidate, number, result) runs."""
    params = [p for p, _, _ in runs]
    out: dict[str, Any] = {"trial_number": np.array([n for _, n, _ in runs])}
    for name in sorted({k for p in params for k in p}):
        column = np.ma.MaskedArray(np.empty(len(params), dtype=object),
                                   mask=[name not in p for p in params])
        for i, p in enumerate(params):
            if name in p:
                column[i] = p[name]
        out[f"param_{name}"] = column
    out["params"] = params
    for timing in ("fit_time", "score_time"):
        values = np.array([r[timing] for _, _, r in runs])
        out[f"mean_{timing}"], out[f"std_{timing}"] = values.mean(1), values.std(1)
    sets = ("test", "train") if train else ("test",)
    for key in sorted(k for k in runs[0][2] if k.split("_", 1)[0] in sets):
        which, metric = key.split("_", 1)
        scores = np.array([r[key] for _, _, r in runs], dtype=float)  # (candidates, splits)
        for i in range(scores.shape[1]):
            out[f"split{i}_{which}_{metric}"] = scores[:, i]
        out[f"mean_{which}_{metric}"] = scores.mean(1)
        out[f"std_{which}_{metric}"] = scores.std(1)
        if which == "test":
            means = np.where(np.isnan(scores.mean(1)), -np.inf, scores.mean(1))
            out[f"rank_test_{metric}"] = rankdata(-means, method="min").astype(np.int32)
    return out


def _decode(params: dict[str, Any], labels: dict[str, dict]) -> dict[str, Any]:
    """The trial's params with labelled categoricals mapped back to their values."""
    return {k: labels[k][v] if k in labels else v for k, v in params.items()}
