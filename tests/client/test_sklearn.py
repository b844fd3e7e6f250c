"""OptimizerSearchCV against scikit-learn's own searches, with the live gunicorn service."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from optimizer_client import Client
from optimizer_client.sklearn import OptimizerSearchCV, to_space
from scipy.stats import loguniform, randint
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import SVC

# Regression scores are continuous: no tie for GridSearchCV's order to break.
GRID = {"alpha": [0.001, 0.01, 0.1, 1.0, 10.0, 100.0], "fit_intercept": [True, False]}
CV = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)


def scores_by_params(search) -> dict:
    """Each candidate's mean test score, keyed by its parameters."""
    results = search.cv_results_
    return {
        tuple(sorted(p.items())): s
        for p, s in zip(results["params"], results["mean_test_score"], strict=True)
    }


def test_same_best_parameters_as_grid_search(live_server: str) -> None:
    x, y = load_diabetes(return_X_y=True)
    reference = GridSearchCV(Ridge(), GRID, cv=3).fit(x, y)
    search = OptimizerSearchCV(Ridge(), GRID, algorithm="grid", url=live_server, cv=3)
    search.fit(x, y)
    assert scores_by_params(search) == scores_by_params(reference)  # the same 12 candidates
    top = max(reference.cv_results_["mean_test_score"])
    assert list(reference.cv_results_["mean_test_score"]).count(top) == 1  # no tie to break
    assert search.best_params_ == reference.best_params_
    assert search.best_score_ == reference.best_score_
    assert np.array_equal(search.best_estimator_.predict(x), reference.best_estimator_.predict(x))
    with Client(live_server) as client:
        study = client.get_study(search.study_id_)
        assert study.data["trial_counts"]["completed"] == 12
        assert study.best().params == search.best_params_
        assert study.best().value == search.best_score_
    assert sorted(search.cv_results_["trial_number"]) == list(range(12))


def test_bayesian_with_parallel_jobs_and_distributions(live_server: str) -> None:
    x, y = load_iris(return_X_y=True)
    space = {"C": loguniform(1e-2, 1e2), "gamma": np.logspace(-3, 0, 4), "degree": randint(2, 4)}
    search = OptimizerSearchCV(
        SVC(kernel="poly"),
        space,
        algorithm="bayesian",
        n_iter=6,
        n_jobs=2,
        cv=CV,
        url=live_server,
        random_state=3,
        return_train_score=True,
    )
    search.fit(x, y)
    results = search.cv_results_
    assert len(results["params"]) == 6 and "mean_train_score" in results
    assert 1e-2 <= search.best_params_["C"] <= 1e2 and search.best_params_["degree"] in (2, 3)
    assert search.best_score_ == max(results["mean_test_score"])
    with Client(live_server) as client:
        study = client.get_study(search.study_id_)
        assert study.data["algorithm"]["name"] == "bayesian"
        assert study.data["trial_counts"]["completed"] == 6
        assert study.best().value == search.best_score_
    assert set(clone(search).get_params()["param_space"]) == set(space)


def test_to_space_translates_grids_and_distributions() -> None:
    space, labels = to_space(
        {
            "C": loguniform(1e-3, 10),
            "n": randint(1, 5),
            "alpha": np.array([0.1, 1.0]),
            "class_weight": [None, "balanced"],
            "x": {"type": "float", "low": 0, "high": 1},
        }
    )
    assert space["C"] == {"type": "float", "low": 1e-3, "high": 10.0, "log": True}
    assert space["n"] == {"type": "int", "low": 1, "high": 4}
    assert space["alpha"] == {"type": "categorical", "choices": [0.1, 1.0]}
    assert list(labels["class_weight"].values()) == [None, "balanced"]
    assert space["class_weight"]["choices"] == list(labels["class_weight"])
    assert space["x"] == {"type": "float", "low": 0, "high": 1}
    with pytest.raises(TypeError):
        to_space([GRID])


def test_importing_the_client_does_not_import_sklearn() -> None:
    code = "import sys, optimizer_client; print('sklearn' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_conditional_space_searches_what_a_list_of_grids_does(live_server: str) -> None:
    # GridSearchCV's way to a conditional grid is a list of grids; ours is `when`.
    x, y = load_iris(return_X_y=True)
    grids = [{"kernel": ["linear"], "C": [0.1, 1.0, 10.0]},
             {"kernel": ["rbf"], "C": [0.1, 1.0, 10.0], "gamma": [0.01, 0.1, 1.0]}]
    reference = GridSearchCV(SVC(), grids, cv=CV).fit(x, y)
    space = {"kernel": ["linear", "rbf"], "C": [0.1, 1.0, 10.0],
             "gamma": {"type": "categorical", "choices": [0.01, 0.1, 1.0],
                       "when": {"kernel": ["rbf"]}}}
    search = OptimizerSearchCV(SVC(), space, algorithm="grid", url=live_server, cv=CV)
    search.fit(x, y)
    assert scores_by_params(search) == scores_by_params(reference)  # the same 12 candidates
    assert search.best_score_ == reference.best_score_
    assert all(("gamma" in p) == (p["kernel"] == "rbf") for p in search.cv_results_["params"])


def test_imports_nothing_private_from_scikit_learn() -> None:
    """Only public scikit-learn modules and names: no `sklearn.x._y`, no `_name` import."""
    import ast

    import optimizer_client.sklearn as module

    tree = ast.parse(Path(module.__file__).read_text())
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported += [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            imported += [a.name for a in node.names]
    from_sklearn = [name for name in imported if name.split(".")[0] == "sklearn"]
    assert from_sklearn  # the walk found the imports
    private = [name for name in from_sklearn if any(p.startswith("_") for p in name.split("."))]
    assert private == []
    assert re.findall(r"sklearn[\w.]*\._", Path(module.__file__).read_text()) == []


def test_delegates_to_the_best_estimator_with_several_metrics(live_server: str) -> None:
    x, y = load_iris(return_X_y=True)
    search = OptimizerSearchCV(
        LogisticRegression(max_iter=500),
        {"C": loguniform(1e-3, 1e2)},
        n_iter=4,
        cv=CV,
        scoring=["accuracy", "neg_log_loss"],
        refit="neg_log_loss",
        url=live_server,
        random_state=1,
    )
    assert hasattr(search, "predict_proba") and not hasattr(search, "transform")
    search.fit(x, y)
    results = search.cv_results_
    assert {"mean_test_accuracy", "rank_test_neg_log_loss", "split2_test_accuracy"} <= set(results)
    best = int(np.argmax(results["mean_test_neg_log_loss"]))
    assert search.best_index_ == best and results["rank_test_neg_log_loss"][best] == 1
    assert search.best_score_ == results["mean_test_neg_log_loss"][best]
    expected = LogisticRegression(max_iter=500, C=search.best_params_["C"]).fit(x, y)
    assert np.array_equal(search.predict_proba(x), expected.predict_proba(x))
    assert list(search.classes_) == [0, 1, 2] and search.n_features_in_ == 4
    assert search.score(x, y) == pytest.approx(-log_loss(y, expected.predict_proba(x)))
    assert search.n_splits_ == 3 and search.multimetric_
    with Client(live_server) as client:
        study = client.get_study(search.study_id_)
        assert study.best().value == search.best_score_  # the refit metric went to the study


def test_failing_candidates_fail_their_trials(live_server: str) -> None:
    """A candidate whose every fold raises scores error_score (nan): its trial is failed."""
    x, y = load_diabetes(return_X_y=True)
    grid = {"alpha": [1.0, 10.0], "solver": ["auto", "no-such-solver"]}
    search = OptimizerSearchCV(Ridge(), grid, algorithm="grid", url=live_server, cv=3)
    with pytest.warns(FitFailedWarning):  # as GridSearchCV warns of failed fits
        search.fit(x, y)
    assert search.best_params_["solver"] == "auto"
    results = search.cv_results_
    failed = np.isnan(results["mean_test_score"])
    assert list(failed) == [p["solver"] != "auto" for p in results["params"]]
    assert set(results["rank_test_score"][failed]) == {len(failed) - failed.sum() + 1}
    with Client(live_server) as client:  # the grid gives a failed point another attempt
        counts = client.get_study(search.study_id_).data["trial_counts"]
        assert counts["failed"] == failed.sum() >= 2
