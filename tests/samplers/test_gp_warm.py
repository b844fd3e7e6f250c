"""The warm-started GP: parents' data with a task column, its gradients, what it suggests."""

from dataclasses import replace

import numpy as np
import pytest

from optimizer_api.domain import Direction, Trial, TrialState
from optimizer_api.samplers.gp import GPSampler, model, warm
from optimizer_api.samplers.gp.encoding import Encoding
from optimizer_api.space import Space

from .test_gp_model import assert_gradients_match
from .test_gp_sampler import QUAD, completed, ctx, quad

# This study has a parameter ("z") its parents lack.
CHILD = Space.from_dict({**QUAD.to_dict(), "z": {"type": "categorical", "choices": ["a", "b"]}})


def parents(func, n=30, study_id=1, seed=0, sign=1.0):
    return [replace(t, study_id=study_id, value=sign * t.value)
            for t in completed(QUAD, func, n, seed=seed)]


def child(p):
    """quad shifted by (-0.3, 0.4), scaled by 3 and offset by 10."""
    return 3.0 * ((p["x"] - 1.0) ** 2 + (p["y"] + 0.3) ** 2) + 10.0


def run(prior_trials, n=10, func=child):
    trials: list[Trial] = []
    state = None
    for i in range(n):
        c = replace(ctx(QUAD, trials, numbers=(i,), seed=3, state=state),
                    prior_trials=tuple(prior_trials))
        out = GPSampler().suggest(c)
        state = out.state
        (s,) = out.suggestions
        trials.append(Trial(i, i, TrialState.COMPLETED, s.params, func(s.params)))
    return trials, state


def test_task_posterior_gradients_match_finite_differences():
    enc = Encoding(CHILD)
    prior = warm.fit_prior(parents(quad), enc, Direction.MINIMIZE)
    rng = np.random.default_rng(1)
    X, y = enc.sobol(8, rng), rng.standard_normal(8)
    X_aug, y_aug, n = prior.augment(X, y)
    post = warm.TaskPosterior(model.Posterior.build(X_aug, y_aug, prior.cat,
                                                    model.prior_mode(4, False), 0.0, n))
    x = np.array([[0.3, 0.6, 1.0]])
    mean, var, dmean, dvar = assert_gradients_match(post, x, numeric=2)
    assert dmean.shape == dvar.shape == (1, 3)
    assert np.allclose(post.predict(x), (mean, var))


def test_parent_rows_fill_what_the_parents_lack_and_their_best_opens_the_study():
    enc = Encoding(CHILD)
    trials = parents(quad, 40)
    prior = warm.fit_prior(trials, enc, Direction.MINIMIZE)
    assert prior.P.shape == (40, 4) and (prior.P[:, 2] == -1).all() and (prior.P[:, 3] == 1).all()
    best = min(trials, key=lambda t: t.value)
    assert prior.best == best.params and prior.yP[0] == prior.yP.min()
    out = GPSampler().suggest(replace(ctx(CHILD), prior_trials=tuple(trials)))
    (s,) = out.suggestions
    assert s.info == {"source": "warm_start"}
    assert {k: s.params[k] for k in ("x", "y")} == pytest.approx(best.params)


def test_a_maximizing_parent_of_the_same_function_gives_the_same_data():
    """Values come converted to this study's direction (the service negates them)."""
    enc = Encoding(CHILD)
    a = warm.fit_prior(parents(quad), enc, Direction.MINIMIZE)
    b = warm.fit_prior(parents(quad, sign=-1.0), enc, Direction.MAXIMIZE)
    assert np.allclose(a.P, b.P) and np.allclose(a.yP, b.yP)


def test_no_shared_parameter_means_no_prior():
    other = [Trial(i, i, TrialState.COMPLETED, {"q": 0.1 * i}, float(i), study_id=1)
             for i in range(5)]
    assert warm.fit_prior(other, Encoding(CHILD), Direction.MINIMIZE) is None


def test_a_related_parent_brings_the_model_to_the_optimum_sooner():
    """Shifted and scaled child: within 10 trials the warm study is near the optimum,
    while the cold one is still in its initial design."""
    warm_trials, _ = run(parents(quad, 40))
    cold_trials, _ = run(())
    assert min(t.value for t in warm_trials) - 10 < 0.5 < min(t.value for t in cold_trials) - 10


def test_an_unrelated_parent_is_dropped_once_the_data_disagree():
    """The task correlation fitted for a related parent keeps the parents in the model
    (the fit's columns end with the task column); for a parent whose optimum is where
    this study is worst, it falls below MIN_CORRELATION and the model is this study's
    alone (as cold), while the study still found the optimum region. The related case is
    looked at on trial 10: the verdict depends on where the child's points went, and with
    the prior mean 4 standard deviations worse (tuning.PRIOR_MEAN) the fit relates the
    parent at trials 10-11, not from 12 on (with 1: the other way round), while the child
    is within 0.01 of its optimum by trial 12 either way."""

    def unrelated(p):
        return -((p["x"] - 1.0) ** 2 + (p["y"] + 0.3) ** 2)

    _, related_state = run(parents(quad, 40), n=10)
    assert related_state["names"] == ["x", "y", "(task)"]
    assert warm.related(np.array(related_state["theta"]), 2)
    trials, unrelated_state = run(parents(unrelated, 40), n=12)
    assert unrelated_state["names"] == ["x", "y"]
    assert min(t.value for t in trials) - 10 < 1.0


def test_pending_trials_still_spread_a_warm_studys_suggestions():
    """count = 3 past the initial design, one trial running: distinct points, apart from
    the running one (the kriging believer works on the task-augmented model too)."""
    done, _ = run(parents(quad, 40), n=5)
    running = Trial(5, 5, TrialState.RUNNING, {"x": 1.0, "y": -0.3})
    c = replace(ctx(QUAD, [*done, running], numbers=(6, 7, 8), seed=3),
                prior_trials=tuple(parents(quad, 40)))
    out = GPSampler().suggest(c).suggestions
    assert [s.info["source"] for s in out] == ["model"] * 3
    points = np.array([[s.params["x"], s.params["y"]] for s in out] + [[1.0, -0.3]])
    gaps = np.linalg.norm(points[:, None] - points[None], axis=-1)[np.triu_indices(4, 1)]
    assert gaps.min() > 0.1  # in a 10 x 10 box: 1% of the range at least
