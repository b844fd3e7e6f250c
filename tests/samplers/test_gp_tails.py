"""Regression tests for the GP sampler's bad tails (issue 11), one per cause fixed.

Each case is small and deterministic, and fails on the code before its fix.
"""

import numpy as np

from optimizer_api.domain import Trial, TrialState
from optimizer_api.samplers.gp import GPSampler, model
from optimizer_api.samplers.gp.encoding import Encoding
from optimizer_api.samplers.gp.warp import Warp
from optimizer_api.space import Space

from .test_gp_sampler import QUAD, completed, ctx, quad


def converged(seed: int) -> list[Trial]:
    """10 random trials, then 20 ever closer to QUAD's optimum: a run near its end."""
    rng = np.random.default_rng(seed)
    trials = completed(QUAD, quad, 10, seed=seed)
    for i in range(20):
        p = {"x": 1.3 + rng.normal() * 0.3 / (i + 1), "y": -0.7 + rng.normal() * 0.3 / (i + 1)}
        trials.append(Trial(10 + i, 10 + i, TrialState.COMPLETED, p, quad(p)))
    return trials


def closest_pair(params: list[dict]) -> float:
    U = Encoding(QUAD).encode_many(params)
    d = np.sqrt(((U[:, None] - U[None]) ** 2).sum(-1))
    return float(d[np.triu_indices(len(U), 1)].min())


def test_a_batch_of_4_near_the_end_stays_apart():
    # Before the fix two of these 4 lay 6e-5 apart: each pending point, believed exactly
    # at the incumbent, kept EI = 0.4 std next to itself, above every other point.
    for seed in range(2):
        out = GPSampler().suggest(ctx(QUAD, converged(seed), numbers=range(30, 34), seed=seed))
        assert closest_pair([s.params for s in out.suggestions]) >= 1e-2


def test_the_noise_of_a_smooth_deterministic_function_is_fitted_small():
    # 12 exact values of a smooth curve, 4 of them close together: the LogNormal(-4, 1)
    # noise prior held sn2 at 1.8e-3 here (smoothing over the close ones); now 3e-4.
    x = np.concatenate([np.linspace(0, 1, 8), 0.3 + np.array([-0.04, -0.02, 0.01, 0.03])])
    f = np.sin(6 * x) + 2 * x**2
    X, y, cat = x[:, None], Warp.fit(f).forward(f), np.array([False])
    theta = model.fit(X, y, cat, [model.prior_mode(1, False)], False)
    assert np.exp(theta[-1]) < 1e-3


def run(space, func, seed: int, budget: int) -> list[Trial]:
    """A sequential study of `budget` trials, each suggestion seeing all the earlier ones."""
    sampler, trials, state = GPSampler(), [], None
    for n in range(budget):
        out = sampler.suggest(ctx(space, trials, numbers=[n], seed=seed, state=state))
        state, p = out.state, out.suggestions[0].params
        trials.append(Trial(n, n, TrialState.COMPLETED, p, func(p)))
    return trials


SHIFT = Space.from_dict(
    {
        "lr": {"type": "float", "low": 1e-5, "high": 1.0, "log": True},
        "units": {"type": "int", "low": 1, "high": 64},
        "kind": {"type": "categorical", "choices": ["a", "b", "c"]},
        "dropout": {"type": "float", "low": 0.0, "high": 1.0},
    }
)
# kind: (offset, dropout, log10 lr, units, weight) of its bowl
_KIND = {
    "a": (0.5, 0.3, -2.0, 16, 0.5),
    "b": (0.0, 0.75, -3.5, 48, 1.0),
    "c": (0.3, 0.5, -1.0, 8, 1.5),
}


def shifted(p) -> float:
    """Each kind its own bowl: kind=a's (0.5) is easy to find, kind=b's (0) is the best."""
    off, d0, l0, u0, w = _KIND[p["kind"]]
    a, b, c = (p["dropout"] - d0) / 0.25, np.log10(p["lr"]) - l0, (p["units"] - u0) / 16
    return off + w * (a * a + b * b + c * c)


def test_a_better_category_found_after_a_worse_one_looked_good():
    # Seeds that settled in kind=a before the fix (value 0.5, the last 30 trials all at
    # kind=a's optimum): the power transform fitted to the values piling up there (lambda
    # down to -1.9) squashed every bad value under a bound, so kind=b's bowl, seen only
    # through bad values, was predicted flat and worse than the incumbent (log EI -11 at
    # its optimum, -2 without the transform). Every 3rd step now uses the untransformed
    # values.
    for seed in (1, 3):
        best = min(run(SHIFT, shifted, seed, 48), key=lambda t: t.value)
        # better than any other kind can be (c's optimum is 0.3); after: 0.06 and 1e-4
        assert best.params["kind"] == "b" and best.value < 0.3, (seed, best)


H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
H3_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
)
H3_MIN = -3.86278214782076
CUBE3 = Space.from_dict({f"x{i}": {"type": "float", "low": 0.0, "high": 1.0} for i in range(3)})


def hartmann3(p) -> float:
    x = np.array([p["x0"], p["x1"], p["x2"]])
    return float(-np.array([1.0, 1.2, 3.0, 3.2]) @ np.exp(-(H3_A * (x - H3_P) ** 2).sum(1)))


def test_an_interior_optimum_is_not_left_for_the_edge():
    # Hartmann-3's optimum is at x0 = 0.115, a local one at x0 = 0 is 0.008 worse. Before
    # the fix these seeds put every model point at x0 = 0: x0's lengthscale, fitted with
    # no data inside, grew to 7-10 in the unit cube, so the model saw x0 as a slope. It is
    # now at most 0.58 d (1.74 here).
    for seed in (0, 1):
        best = min(run(CUBE3, hartmann3, seed, 48), key=lambda t: t.value)
        # before: x0 = 0, regret 0.0079; after: x0 = 0.11, regret 1e-5
        assert best.value - H3_MIN < 1e-3 and best.params["x0"] > 0.05, (seed, best)


NARROW = Space.from_dict(
    {
        "lr": {"type": "float", "low": 1e-6, "high": 1.0, "log": True},
        "layers": {"type": "int", "low": 1, "high": 8},
        "opt": {"type": "categorical", "choices": ["a", "b", "c"]},
        "dropout": {"type": "float", "low": 0.0, "high": 0.9},
    }
)


def narrow(p) -> float:
    """A learning-rate basin 0.25 decades wide (0.04 of the log range) at 10^-3.2; the
    other columns shift it a little. Minimum 0."""
    basin = np.exp(-(((np.log10(p["lr"]) + 3.2) / 0.25) ** 2))
    return float(1 - basin + 0.02 * (p["layers"] - 3) ** 2
                 + {"a": 0.0, "b": 0.3, "c": 0.6}[p["opt"]] + 0.1 * (p["dropout"] - 0.2) ** 2)


def test_a_narrow_basin_is_modelled_and_found():
    # Not a cause fixed but one not to bring in: a floor of 0.3 on the lengthscales
    # (tried for Levy-6's ripples) left the model unable to bend into this basin: these
    # seeds ended at 0.2 and 0.1 with it, 2e-5 and 1e-5 without it.
    for seed in (1, 2):
        best = min(run(NARROW, narrow, seed, 64), key=lambda t: t.value)
        assert best.value < 1e-2, (seed, best)


def test_the_acquisition_optimizer_works_on_x_over_lengthscale():
    # An acquisition whose curvature spreads like the lengthscales (0.02 to 10 in 20-D,
    # as a fitted model's do): in x, L-BFGS-B from a unit Hessian crawls; in
    # x / lengthscale the problem is round and it converges in a few steps.
    from optimizer_api.samplers.gp import optimize

    d = 20
    ls = np.geomspace(0.02, 10.0, d)
    centre = np.linspace(0.2, 0.8, d)
    enc = Encoding(Space.from_dict({f"x{i}": {"type": "float", "low": 0, "high": 1}
                                    for i in range(d)}))
    calls = []

    def acq(X, with_grad):
        calls.append(len(X))
        Z = (X - centre) / ls
        value = -0.5 * (Z * Z).sum(1) - np.log1p((Z * Z).sum(1))
        grad = -(Z / ls) * (1.0 + 2.0 / (1.0 + (Z * Z).sum(1)))[:, None]
        return value, grad if with_grad else None

    found = {}
    for scaled in (False, True):
        calls.clear()
        X, _ = optimize.maximize(acq, enc, np.random.default_rng(0), np.empty((0, d)), 256,
                                 lengthscales=ls if scaled else None)
        found[scaled] = (np.abs((X[0] - centre) / ls).max(), len(calls))
    assert found[True][0] < 1e-2  # at the optimum, in units of each lengthscale
    assert found[True][1] * 3 < found[False][1]  # a third of the evaluations or fewer


BRANIN = Space.from_dict({"x0": {"type": "float", "low": -5.0, "high": 10.0},
                          "x1": {"type": "float", "low": 0.0, "high": 15.0}})
BRANIN_MIN = 0.397887357729738


def branin(p) -> float:
    x0, x1 = p["x0"], p["x1"]
    a = x1 - 5.1 / (4 * np.pi**2) * x0**2 + 5 / np.pi * x0 - 6
    return float(a**2 + 10 * (1 - 1 / (8 * np.pi)) * np.cos(x0) + 10)


def test_candidates_around_a_best_point_on_a_bound_are_mirrored_inside():
    from optimizer_api.samplers.gp import optimize

    enc = Encoding(BRANIN)
    X = optimize._around(np.array([[1.0, 0.2]]), enc, np.random.default_rng(0), 512)
    # clipped, half of them sat exactly on x0 = 1 (the L-BFGS-B starts crowded there)
    assert (X[:, 0] == 1.0).sum() == 0 and np.all((X >= 0) & (X <= 1))
    assert 0.015 < np.median(1.0 - X[:, 0]) < 0.05  # the steps keep their size (0.02, 0.1)


def test_an_optimum_just_inside_a_bound_is_found():
    # Branin's optimum (9.42, 2.47) lies 0.04 of the range inside x0 = 10. With the
    # candidates around the best points clipped to the box, seed 108 sampled (10, 3.00)
    # 40 times and ended at regret 1.55; mirrored, it finds the optimum.
    best = min(run(BRANIN, branin, 108, 64), key=lambda t: t.value)
    assert best.value - BRANIN_MIN < 1e-3, best


CUBE6 = Space.from_dict({f"x{i}": {"type": "float", "low": 0.0, "high": 1.0} for i in range(6)})
BUMP6 = np.array([0.2, 0.15, 0.48, 0.27, 0.31, 0.66])


def bump6(p) -> float:
    x = np.array([p[f"x{i}"] for i in range(6)])
    return float(-np.exp(-8 * ((x - BUMP6) ** 2).sum()))


def closing_in(seed: int, n: int) -> list[Trial]:
    """10 random trials, then n - 10 closing in on the bump: a run past its middle."""
    rng = np.random.default_rng(seed)
    trials = []
    for i in range(n):
        if i < 10:
            x = rng.random(6)
        else:
            x = np.clip(BUMP6 + rng.normal(size=6) * 0.3 / (i - 9), 0, 1)
        p = {f"x{j}": float(x[j]) for j in range(6)}
        trials.append(Trial(i, i, TrialState.COMPLETED, p, bump6(p)))
    return trials


def test_later_points_of_a_batch_stay_near_the_incumbent():
    # Before the fix the 2nd-4th points of this batch lay 1.39-1.66 from the incumbent, in
    # corners where the bump is flat at 0: the believed pending points had shrunk the
    # uncertainty near the incumbent, and what was merely unexplored won (BATCH_RADIUS).
    enc = Encoding(CUBE6)
    for seed in range(2):
        trials = closing_in(seed, 40)
        best = enc.encode(min(trials, key=lambda t: t.value).params)
        out = GPSampler().suggest(ctx(CUBE6, trials, numbers=range(40, 44), seed=seed))
        U = enc.encode_many([s.params for s in out.suggestions])
        # the first point has no pending one: as in a sequential run (here 1.66, 1.76 away)
        assert (np.linalg.norm(U[1:] - best, axis=1) < 0.35).all(), seed
        d = np.sqrt(((U[:, None] - U[None]) ** 2).sum(-1))[np.triu_indices(4, 1)]
        assert d.min() >= 1e-2, seed


def test_late_global_steps_seek_fewer_corners(monkeypatch):
    # A bump in 6-D, flat at its worst elsewhere, and 30 or 40 trials closing in on it.
    # With the posterior's prior mean at the values' mean (0), 6 of these 8 suggestions
    # went to a corner (4-6 of 6 coordinates on a bound): far from the data the mean was
    # average and the uncertainty high. One standard deviation worse: 3 (tuning.PRIOR_MEAN).
    from optimizer_api.samplers.gp import tuning

    enc = Encoding(CUBE6)

    def corners() -> int:
        count = 0
        for seed in range(4):
            for n in (30, 40):
                out = GPSampler().suggest(ctx(CUBE6, closing_in(seed, n), numbers=[n],
                                              seed=seed))
                u = enc.encode(out.suggestions[0].params)
                count += int(((u == 0) | (u == 1)).sum() >= 4)
        return count

    assert corners() <= 3
    monkeypatch.setattr(tuning, "PRIOR_MEAN", 0.0)
    assert corners() >= 6  # the premise


ACKLEY5 = Space.from_dict(
    {f"x{i}": {"type": "float", "low": -32.768, "high": 32.768} for i in range(5)}
)


def ackley(p) -> float:
    x = np.array([p[f"x{i}"] for i in range(5)])
    a = -20 * np.exp(-0.2 * np.sqrt((x**2).mean()))
    return float(a - np.exp(np.cos(2 * np.pi * x).mean()) + 20 + np.e)


def test_on_a_plateau_the_prior_mean_is_not_pessimistic(monkeypatch):
    # Ackley-5, seed 101: the 10 Sobol points all lie on the outer plateau (20.2-21.7),
    # where the ripples are all the model sees; its fit calls a third of their variance
    # noise. With the prior mean 4 standard deviations worse everywhere, every suggestion
    # stayed next to the best of them and the run ended at 19.9 (the optimum is 0). The
    # prior mean returns to the values' mean while the fit sees that much noise
    # (tuning.PRIOR_MEAN_NOISE), and the run leaves the plateau.
    from optimizer_api.samplers.gp import tuning

    assert min(t.value for t in run(ACKLEY5, ackley, 101, 64)) < 10
    monkeypatch.setattr(tuning, "PRIOR_MEAN_NOISE", np.inf)
    assert min(t.value for t in run(ACKLEY5, ackley, 101, 64)) > 19  # the premise
