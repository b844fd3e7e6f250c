"""The posterior's subset past MAX_POSTERIOR_POINTS (samplers/gp/subset.py): what it
always keeps, and that the matrix the model factorizes stays within its cap."""

from __future__ import annotations

import numpy as np

from optimizer_api.domain import Direction, Trial, TrialState
from optimizer_api.samplers.base import SamplerContext
from optimizer_api.samplers.gp import GPSampler, kernel, subset
from optimizer_api.samplers.gp.encoding import Encoding
from optimizer_api.samplers.gp.history import load_history
from optimizer_api.samplers.gp.sampler import _ModelRound
from optimizer_api.space import Space
from optimizer_api.trial_columns import TrialColumns

CAP = subset.MAX_POSTERIOR_POINTS
SPACE = {f"x{i}": {"type": "float", "low": 0.0, "high": 1.0} for i in range(5)} | {
    "k": {"type": "categorical", "choices": ["a", "b", "c"]}}


def bowl(p) -> float:
    return sum((p[f"x{i}"] - 0.3) ** 2 for i in range(5)) + 0.1 * (p["k"] != "b")


def trials(n: int, running: int = 0, seed: int = 0) -> list[Trial]:
    space = Space.from_dict(SPACE)
    U = np.random.default_rng(seed).random((n + running, len(space)))
    out = []
    for i, p in enumerate(space.decode_many(U)):
        done = i < n
        out.append(Trial(i, i, TrialState.COMPLETED if done else TrialState.RUNNING, p,
                         bowl(p) if done else None))
    return out


def test_the_best_and_the_incumbents_neighbours_are_always_kept():
    rng = np.random.default_rng(1)
    X, y = rng.random((10_000, 6)), rng.random(10_000)
    cat, inv_ls2 = np.zeros(6, bool), np.full(6, 4.0)
    rows = subset.observed_rows(X, y, inv_ls2, cat, seed=3, room=400)
    assert len(rows) == 400 and len(set(rows)) == 400 and np.all(np.diff(rows) > 0)
    best = np.argsort(y)[: subset.N_CENTRES]
    assert set(best) <= set(rows)
    s = kernel.sq_dist(X[best[:1]], X, inv_ls2, cat)[0]
    k = int(subset.INCUMBENT_SHARE * 400)
    assert set(np.argsort(s)[:k]) <= set(rows)  # the incumbent's nearest, none redundant
    again = subset.observed_rows(X, y, inv_ls2, cat, seed=3, room=400)
    assert np.array_equal(rows, again)  # deterministic


def test_a_crowded_neighbourhood_is_thinned_not_hoarded():
    """The steps of a converged local search crowd the incumbent: a few of them stand for
    the rest, and the subset keeps the history's global picture (benchmarks/gp_large.py:
    hoarding them lost more of the full GP's acquisition than a random subset)."""
    rng = np.random.default_rng(3)
    X = np.vstack([rng.random((1500, 6)), 0.3 + 1e-3 * rng.standard_normal((500, 6))])
    y = np.r_[1.0 + rng.random(1500), rng.random(500)]  # the crowd holds the best
    cat, inv_ls2 = np.zeros(6, bool), np.full(6, 4.0)
    rows = subset.observed_rows(X, y, inv_ls2, cat, seed=0, room=400)
    crowd = rows >= 1500
    assert np.argmin(y) in rows and len(rows) == 400
    assert crowd.sum() < 0.3 * 400  # about its quarter of the history, not more
    s = kernel.sq_dist(X[1500:], X[rows], inv_ls2, cat).min(1)
    assert s.max() <= subset.THIN * np.median(kernel.sq_dist(X, X[[np.argmin(y)]], inv_ls2,
                                                                cat))  # all represented


def test_neighbours_follow_the_lengthscales():
    """A column with a long lengthscale hardly counts in who is near the best points."""
    rng = np.random.default_rng(2)
    X, y = rng.random((5000, 6)), rng.random(5000)
    y[:5] = -1.0
    X[:5, :3] = 0.5  # the five best share x0..x2, their x3..x5 differ
    cat = np.zeros(6, bool)
    close = np.abs(X[:, :3] - 0.5).max(1) < 0.1  # ~40 rows

    def kept(inv_ls2):
        rows = subset.observed_rows(X, y, np.array(inv_ls2), cat, seed=0, room=1000)
        return close[rows].sum()

    short, long_ = [1e2] * 3, [1e-4] * 3
    assert kept(short + long_) > 2 * kept(long_ + short)  # near in x0..x2 when they matter


def test_below_the_cap_everything_is_kept():
    X, y = np.random.default_rng(0).random((300, 3)), np.arange(300.0)
    obs, pend = subset.posterior_rows(X, y, X[:100], np.ones(3), np.zeros(3, bool), 0, 5)
    assert np.array_equal(obs, np.arange(300)) and np.array_equal(pend, np.arange(100))


def test_pending_nearest_the_best_are_believed_past_the_cap():
    rng = np.random.default_rng(4)
    X, y = rng.random((2000, 3)), rng.random(2000)
    y[7] = -5.0
    X_pending = rng.random((300, 3))
    X_pending[42] = X[7] + 1e-3  # next to the incumbent
    cat = np.zeros(3, bool)
    obs, pend = subset.posterior_rows(X, y, X_pending, np.ones(3), cat, 0, count=4)
    assert 42 in pend and len(pend) == subset.POSTERIOR_PENDING
    assert len(obs) + len(pend) + 3 <= CAP and 7 in obs


def test_the_factorized_matrix_never_exceeds_its_cap_at_10000():
    ts = trials(10_000, running=300)
    space = Space.from_dict(SPACE)
    enc = Encoding(space)
    s = GPSampler()
    ctx = SamplerContext(space, Direction.MINIMIZE, 5, [10_300, 10_301, 10_302],
                         s.validate_options({}, space), tuple(ts))
    hist = load_history(ctx.trials, enc, ctx.direction)
    r = _ModelRound(ctx, enc, hist, s.validate_options({}, space), ctx.rng(0))
    theta = r._fit()
    believed = r._choose_rows(count=3)
    post, f_best = r._posterior(theta, believed)
    assert post.Linv.shape == (len(post.X), len(post.X)) and len(post.X) <= CAP - 2
    assert f_best == r.y.min()  # the incumbent of every observation, not of the subset
    for _ in range(2):  # this call's picks are believed too, still within the cap
        believed = np.vstack([believed, enc.sobol(1, ctx.rng(1))])
    post, _ = r._posterior(theta, believed)
    assert len(post.X) <= CAP


def test_a_long_history_gets_distinct_model_suggestions_near_the_optimum():
    ts = trials(3000, running=50)
    space = Space.from_dict(SPACE)
    s = GPSampler()
    ctx = SamplerContext(space, Direction.MINIMIZE, 0, [3050, 3051],
                         s.validate_options({}, space), tuple(ts))
    out = s.suggest(ctx).suggestions
    assert [x.info["source"] for x in out] == ["model", "model"]
    assert out[0].params != out[1].params
    values = sorted(t.value for t in ts if t.value is not None)
    assert all(bowl(x.params) < values[30] for x in out)  # better than 99% of the history


def test_columns_and_trials_give_the_same_history():
    ts = trials(600, running=20) + [
        Trial(620, 620, TrialState.FAILED, trials(1, seed=9)[0].params, None),
        Trial(621, 621, TrialState.PRUNED, trials(1, seed=8)[0].params, 0.5),
        Trial(622, 622, TrialState.COMPLETED, trials(1, seed=7)[0].params, float("inf")),
    ]
    names = list(SPACE)
    cols = TrialColumns([t.id for t in ts][::-1], [t.number for t in ts][::-1],
                        [t.state.value for t in ts][::-1], [t.value for t in ts][::-1],
                        {n: [t.params[n] for t in ts][::-1] for n in names})
    enc = Encoding(Space.from_dict(SPACE))
    a = load_history(ts, enc, Direction.MAXIMIZE)
    b = load_history(cols, enc, Direction.MAXIMIZE)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert np.array_equal(a.X_pending, b.X_pending) and a.taken == b.taken
    assert a.n_obs == 601 and len(a.X_pending) == 20
    assert cols[0] == ts[-1]  # other samplers read the columns as trials


def test_a_trial_that_does_not_fit_is_skipped_from_columns_too():
    ts = trials(30)
    names = list(SPACE)
    params = {n: [t.params[n] for t in ts] for n in names}
    params["k"][3] = "zzz"  # not a choice
    params["x0"][5] = None  # missing
    cols = TrialColumns([t.id for t in ts], [t.number for t in ts],
                        [t.state.value for t in ts], [t.value for t in ts], params)
    hist = load_history(cols, Encoding(Space.from_dict(SPACE)), Direction.MINIMIZE)
    assert hist.n_obs == 28
