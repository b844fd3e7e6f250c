"""The `bayesian` sampler with several objectives and with constraints, as the service
calls it."""

import numpy as np
import pytest

from optimizer_api.domain import Constraint, ConstraintOp, Direction, Objective, Trial, TrialState
from optimizer_api.samplers.base import SamplerContext
from optimizer_api.samplers.gp import GPSampler
from optimizer_api.space import Space

SPACE = Space.from_dict({f"x{i}": {"type": "float", "low": 0, "high": 1} for i in range(4)})
LINE = Space.from_dict({"x": {"type": "float", "low": 0, "high": 1}})
MIN, MAX = Direction.MINIMIZE, Direction.MAXIMIZE


def dtlz2(p, k):
    """DTLZ2 with k objectives over SPACE."""
    x = np.array([p[f"x{i}"] for i in range(len(p))])
    r = 1 + np.sum((x[k - 1:] - 0.5) ** 2)
    angles = x[: k - 1] * np.pi / 2
    out = []
    for j in range(k):
        v = r * np.prod(np.cos(angles[: k - 1 - j]))
        out.append(v * (np.sin(angles[k - 1 - j]) if j else 1.0))
    return tuple(float(v) for v in out)


def context(space, trials, numbers, objectives=(), constraints=(), seed=3):
    sampler = GPSampler()
    opts = sampler.validate_options({}, space)
    return SamplerContext(
        space, MIN, seed, list(numbers), opts, tuple(trials), None,
        objectives=tuple(objectives), constraints=tuple(constraints),
    )


def trial(i, params, values=None, value=None, cons=None, state=TrialState.COMPLETED):
    if values is not None:
        value = values[0]
    return Trial(i, i, state, params, value, values=values, constraint_values=cons)


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("constrained", [False, True])
def test_distinct_valid_points_for_several_objectives_with_pending_trials(k, constrained):
    rng = np.random.default_rng(k)
    objectives = [Objective(f"f{j}", MIN) for j in range(k)]
    constraints = [Constraint("x0", ConstraintOp.AT_LEAST, 0.2)] if constrained else []
    trials = []
    for i in range(16):
        p = SPACE.decode(rng.random(4))
        trials.append(trial(i, p, dtlz2(p, k), cons=(p["x0"],) if constrained else None))
    trials += [trial(i, SPACE.decode(rng.random(4)), state=TrialState.RUNNING)
               for i in range(16, 19)]
    prop = GPSampler().suggest(context(SPACE, trials, [19, 20, 21], objectives, constraints))
    params = [s.params for s in prop.suggestions]
    assert len(params) == 3
    for p in params:
        assert SPACE.validate_params(p) == p
    keys = {tuple(sorted(p.items())) for p in params + [t.params for t in trials]}
    assert len(keys) == len(params) + len(trials)
    for s in prop.suggestions:
        info = s.info
        assert info["source"] == "model", info
        assert [o["name"] for o in info["objectives"]] == [f"f{j}" for j in range(k)]
        assert all(np.isfinite(o["predicted_mean"]) and o["predicted_std"] >= 0
                   for o in info["objectives"])
        assert info["acquisition"]["name"].startswith("log_ehvi" if k <= 3 else "parego_log_ei")
        assert np.isfinite(info["acquisition"]["value"])
        if constrained:
            assert 0 <= info["probability_of_feasibility"] <= 1
            assert info["constraints"][0]["name"] == "x0"
            assert s.params["x0"] > 0.1  # every observation says x0 >= 0.2 is the rule
        else:
            assert "probability_of_feasibility" not in info
    assert len(prop.state["columns"]) == k + len(constraints)


def test_a_maximized_objective_is_reported_in_its_own_sign():
    rng = np.random.default_rng(0)
    objectives = [Objective("loss", MIN), Objective("accuracy", MAX)]
    trials = []
    for i in range(15):
        p = LINE.decode(rng.random(1))
        trials.append(trial(i, p, (p["x"], 1.0 + p["x"])))  # conflicting: both grow with x
    prop = GPSampler().suggest(context(LINE, trials, [15], objectives))
    info = prop.suggestions[0].info
    x = prop.suggestions[0].params["x"]
    loss, acc = info["objectives"]
    assert loss["predicted_mean"] == pytest.approx(x, abs=0.05)
    assert acc["predicted_mean"] == pytest.approx(1.0 + x, abs=0.05)


def observed_on_a_grid(xs, constrained=True):
    """f(x) = x to minimize; c(x) = x >= 0.5 to hold: the optimum is x = 0.5."""
    return [trial(i, {"x": float(x)}, value=float(x), cons=(float(x),) if constrained else None)
            for i, x in enumerate(xs)]


def test_constrained_ei_prefers_the_feasible_region():
    xs = np.linspace(0.02, 0.98, 12)
    cons = [Constraint("c", ConstraintOp.AT_LEAST, 0.5)]
    constrained = GPSampler().suggest(context(LINE, observed_on_a_grid(xs), [12], (), cons))
    free = GPSampler().suggest(context(LINE, observed_on_a_grid(xs, False), [12]))
    x_c = constrained.suggestions[0].params["x"]
    info = constrained.suggestions[0].info
    assert 0.48 <= x_c <= 0.56, x_c  # at the feasible optimum, not below it
    assert info["acquisition"]["name"] == "log_ei+log_pof"
    assert info["probability_of_feasibility"] > 0.2
    assert free.suggestions[0].params["x"] < 0.1  # without the constraint: toward 0


def test_with_no_feasible_point_yet_it_moves_toward_feasibility():
    xs = np.linspace(0.0, 0.4, 12)  # c(x) = x >= 0.7 holds nowhere observed
    cons = [Constraint("c", ConstraintOp.AT_LEAST, 0.7)]
    prop = GPSampler().suggest(context(LINE, observed_on_a_grid(xs), [12], (), cons))
    info = prop.suggestions[0].info
    assert info["acquisition"]["name"] == "log_pof"
    assert prop.suggestions[0].params["x"] > 0.5
    assert info["probability_of_feasibility"] > 0.2


def test_constraint_values_missing_from_some_trials_are_tolerated():
    rng = np.random.default_rng(1)
    cons = [Constraint("c", ConstraintOp.AT_MOST, 0.5)]
    trials = []
    for i in range(14):
        p = SPACE.decode(rng.random(4))
        trials.append(trial(i, p, value=sum(p.values()), cons=(p["x1"],) if i % 3 else None))
    trials.append(Trial(14, 14, TrialState.FAILED, SPACE.decode(rng.random(4))))
    prop = GPSampler().suggest(context(SPACE, trials, [15, 16], (), cons))
    assert [s.info["source"] for s in prop.suggestions] == ["model", "model"]
    assert all(s.params["x1"] < 0.7 for s in prop.suggestions)


def test_infeasible_observations_do_not_move_the_ehvi_reference_point():
    """Regression (issue 13, C2-DTLZ2): the reference point came from every observation,
    so infeasible trials far beyond the front pushed it out and EHVI paid for the front's
    far ends. The region is now that of the feasible rows alone."""
    from optimizer_api.analysis.pareto import reference_point
    from optimizer_api.samplers.gp.multi import ehvi_region

    rng = np.random.default_rng(0)
    t = rng.random(12) * np.pi / 2
    feasible = np.column_stack([np.cos(t), np.sin(t)]) * (1 + rng.random((12, 1)) * 0.2)
    lower, upper = ehvi_region(feasible)
    ref = reference_point(feasible)
    assert np.isclose(upper.max(axis=0), ref).all() and np.all(ref < 1.4)
    assert np.all(lower < upper)
    # the old region reached the infeasible observations' worst values (~8.8 here)
    everything = np.vstack([feasible, [[5.0, 5.0], [0.0, 8.0]]])
    assert reference_point(everything)[1] > 8 > ehvi_region(feasible)[1].max()



def test_a_noisy_warm_start_does_not_hide_a_short_lengthscale():
    """Regression (issue 13, ZDT3): a GP warm-started from a fit that explained an
    unresolved oscillation as noise stayed in that mode of the posterior; the
    disconnected front was smoothed away and the suggestions repeated one extreme point.
    Each column's fit now also starts from its warm start with the noise near 0."""
    from optimizer_api.samplers.gp import model
    from optimizer_api.samplers.gp.columns import Column
    from optimizer_api.samplers.gp.encoding import Encoding

    plane = Space.from_dict({f"x{i}": {"type": "float", "low": 0, "high": 1} for i in range(2)})
    enc = Encoding(plane)
    rng = np.random.default_rng(0)
    X = rng.random((40, 2))
    v = X[:, 0] + 0.3 * np.sin(10 * np.pi * X[:, 0]) + 0.1 * X[:, 1]
    noisy = np.log([1.0, 1.0, 1.0, 0.05])  # lengthscales, signal variance, noise
    state = {"version": 1, "names": ["x0", "x1"], "deterministic": False,
             "theta": noisy.tolist()}
    col = Column.fit(X, v, enc, state, False, 0, rng)
    # the premise: from the noisy start alone the fit stays noisy and smooth
    alone = model.fit(X, col.y, enc.cat, [noisy], False)
    assert np.exp(alone[-1]) > 0.1 and np.exp(alone[0]) > 0.3
    assert np.exp(col.theta[-1]) < 1e-2 and np.exp(col.theta[0]) < 0.2
    nlp = [model.neg_log_posterior(t, X, col.y, enc.cat)[0] for t in (col.theta, alone)]
    assert nlp[0] < nlp[1] - 1.0


def test_separate_starts_are_not_stopped_by_a_poor_one():
    """Regression (issue 13): the batched L-BFGS-B stops on the relative decrease of the
    summed log acquisitions, so a start 1000 lower halts a start whose own gradient is
    still large. The multi-objective round runs one L-BFGS-B per start."""
    from optimizer_api.samplers.gp import optimize

    def acq(X, with_grad):  # a shallow bowl at x0 = 0.3; beyond x0 = 0.6, 1000 lower
        sig = 1.0 / (1.0 + np.exp(-50.0 * (X[:, 0] - 0.6)))
        g = np.zeros_like(X)
        g[:, 0] = -0.02 * (X[:, 0] - 0.3) - 1000.0 * 50.0 * sig * (1 - sig)
        return -0.01 * (X[:, 0] - 0.3) ** 2 - 1000.0 * sig, g

    S = np.array([[0.1, 0.5], [0.95, 0.5]])
    cols, active = np.ones(2, bool), np.ones(S.shape, bool)
    batched = optimize._lbfgsb(acq, S, cols, active)
    separate = optimize._lbfgsb_each(acq, S, cols, active)
    assert abs(batched[0, 0] - 0.3) > 0.15  # the premise: the batch stalls
    assert abs(separate[0, 0] - 0.3) < 0.1
    assert np.all(acq(separate, False)[0] >= acq(batched, False)[0] - 1e-9)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_ehvi_models_the_objectives_on_a_standardized_scale(k):
    """Regression (issue 13, DTLZ2 / C2-DTLZ2): EHVI measures hypervolume in the model's
    scale, and the per-objective power warp made that volume differ from the user's
    (DTLZ2's f0: lambda -0.57). With 2-3 objectives the columns are only standardized;
    one objective (with a constraint) keeps the warp of the single-objective sampler."""
    from optimizer_api.samplers.gp import multi
    from optimizer_api.samplers.gp.encoding import Encoding

    rng = np.random.default_rng(1)
    trials = []
    for i in range(20):
        p = {f"x{j}": float(v) for j, v in enumerate(rng.random(4))}
        f = dtlz2(p, max(k, 2))[:k]
        skewed = tuple(float(np.exp(3 * v)) for v in f)  # a power warp would bend these
        trials.append(trial(i, p, values=skewed if k > 1 else None, value=skewed[0],
                            cons=(p["x3"] - 0.5,)))
    objectives = [Objective(f"f{j}", MIN) for j in range(k)] if k > 1 else []
    ctx = context(SPACE, trials, [20], objectives, [Constraint("c", ConstraintOp.AT_MOST, 0.0)])
    sampler = GPSampler()
    enc = Encoding(SPACE)
    rnd = np.random.default_rng(0)
    round_ = multi.MultiRound(ctx, enc, multi.load(ctx, enc), sampler.validate_options({}, SPACE),
                              rnd)
    objs, cons = round_._fit()
    assert len(objs) == k
    lams = [c.warp.lam for c in objs + cons]
    if k == 1:
        assert lams[0] is not None
    else:
        assert all(lam is None for lam in lams)
        y = objs[0].y  # an affine image of the values: same order, same ratios of gaps
        v = np.array([t.values[0] for t in trials])
        assert np.allclose(np.polyfit(v, y, 1)[0] * v + np.polyfit(v, y, 1)[1], y)
