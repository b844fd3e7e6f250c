"""The box decomposition, log EHVI and the log probability of feasibility, against
Monte Carlo, exact hypervolumes and finite differences."""

import numpy as np
import pytest

from optimizer_api.analysis.pareto import hypervolume
from optimizer_api.samplers.gp.ehvi import boxes, log_ehvi
from optimizer_api.samplers.gp.feasibility import log_pof


def front_with_duplicates(k, seed):
    rng = np.random.default_rng(seed)
    Y = np.round(rng.random((25, k)), 2)  # ties in every column
    Y = np.vstack([Y, Y[:5], [np.full(k, 2.0)]])  # duplicates; a row beyond ref
    return Y, np.full(k, 1.05)


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("seed", [0, 1])
def test_boxes_cover_exactly_the_region_the_front_does_not_dominate(k, seed):
    Y, ref = front_with_duplicates(k, seed)
    lower, upper = boxes(Y, ref)
    floor = np.full(k, -0.5)  # boxes reach -inf: clip them for volumes
    volume = np.prod(upper - np.maximum(lower, floor), axis=1).sum()
    assert volume == pytest.approx(np.prod(ref - floor) - hypervolume(Y, ref), rel=1e-12)
    # Disjoint, and a point lies in a box exactly when no row dominates it.
    Z = floor + (ref - floor) * np.random.default_rng(9).random((4000, k))
    inside = ((Z[:, None] >= lower[None]) & (Z[:, None] < upper[None])).all(-1).sum(1)
    dominated = (Y[None, :, :] <= Z[:, None, :]).all(-1).any(1)
    np.testing.assert_array_equal(inside, (~dominated).astype(int))


def test_boxes_without_a_front_are_the_whole_region_below_ref():
    lower, upper = boxes(np.empty((0, 3)), np.ones(3))
    np.testing.assert_array_equal(upper, [[1.0, 1.0, 1.0]])
    assert np.all(lower == -np.inf)


@pytest.mark.parametrize("k", [2, 3])
def test_log_ehvi_matches_a_monte_carlo_estimate(k):
    rng = np.random.default_rng(k)
    Y, ref = front_with_duplicates(k, 3)
    lower, upper = boxes(Y, ref)
    base = hypervolume(Y, ref)
    mu = np.array([np.full(k, 0.3), np.full(k, 0.6), np.r_[0.05, np.full(k - 1, 0.9)]])
    s = np.array([np.full(k, 0.1), np.full(k, 0.3), np.full(k, 0.05)])
    values, _ = log_ehvi(mu, s, lower, upper)
    for m, sd, v in zip(mu, s, values, strict=True):
        draws = m + sd * rng.standard_normal((3000, k))
        hvi = np.array([hypervolume(np.vstack([Y, y]), ref) - base for y in draws])
        err = hvi.std() / np.sqrt(len(hvi))
        assert abs(np.exp(v) - hvi.mean()) < 4 * err + 1e-9, (m, np.exp(v), hvi.mean(), err)


def test_log_ehvi_gradient_matches_finite_differences():
    k = 3
    Y, ref = front_with_duplicates(k, 4)
    lower, upper = boxes(Y, ref)
    rng = np.random.default_rng(5)
    mu = rng.random((6, k))
    mu[0] = 3.0  # far beyond the front: a deep tail
    s = 0.02 + 0.3 * rng.random((6, k))
    # x = (mu, s) itself: dmu and ds are the identity's two halves.
    dmu = np.concatenate([np.eye(k), np.zeros((k, k))], axis=1)[None].repeat(6, 0)
    ds = np.concatenate([np.zeros((k, k)), np.eye(k)], axis=1)[None].repeat(6, 0)
    value, grad = log_ehvi(mu, s, lower, upper, dmu, ds)
    assert np.all(np.isfinite(value)) and value[0] < -20
    h = 1e-6
    for j in range(k):
        e = np.eye(k)[j] * h
        fd_mu = (log_ehvi(mu + e, s, lower, upper)[0] - log_ehvi(mu - e, s, lower, upper)[0])
        fd_s = (log_ehvi(mu, s + e, lower, upper)[0] - log_ehvi(mu, s - e, lower, upper)[0])
        np.testing.assert_allclose(grad[:, j], fd_mu / (2 * h), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(grad[:, k + j], fd_s / (2 * h), rtol=1e-4, atol=1e-6)


def test_log_ehvi_ranks_a_sure_improvement_above_a_sure_nothing():
    Y = np.array([[0.2, 0.8], [0.5, 0.5], [0.8, 0.2]])
    lower, upper = boxes(Y, np.ones(2))
    mu = np.array([[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]])
    v, _ = log_ehvi(mu, np.full((3, 2), 0.01), lower, upper)
    assert v[0] == pytest.approx(np.log(0.9**2 - hypervolume(Y, np.ones(2))), rel=1e-6)
    assert v[0] > v[1] > v[2] and np.isfinite(v[2])


def test_log_pof_is_the_sum_of_log_probabilities_with_its_gradient():
    mu = np.array([[0.0, 1.0], [2.0, -3.0]])
    s = np.array([[1.0, 0.5], [0.1, 2.0]])
    bounds = np.array([0.5, 0.0])
    from scipy.stats import norm

    v, _ = log_pof(mu, s, bounds)
    np.testing.assert_allclose(v, norm.logcdf((bounds - mu) / s).sum(1))
    assert np.isfinite(v[1]) and v[1] < -100  # 15 standard deviations away, still finite
    dmu = np.concatenate([np.eye(2), np.zeros((2, 2))], axis=1)[None].repeat(2, 0)
    ds = np.concatenate([np.zeros((2, 2)), np.eye(2)], axis=1)[None].repeat(2, 0)
    _, g = log_pof(mu, s, bounds, dmu, ds)
    h = 1e-6
    for j in range(2):
        e = np.eye(2)[j] * h
        np.testing.assert_allclose(
            g[:, j], (log_pof(mu + e, s, bounds)[0] - log_pof(mu - e, s, bounds)[0]) / (2 * h),
            rtol=1e-5,
        )
        np.testing.assert_allclose(
            g[:, 2 + j], (log_pof(mu, s + e, bounds)[0] - log_pof(mu, s - e, bounds)[0]) / (2 * h),
            rtol=1e-5,
        )
