"""The GP's mathematics: kernel and likelihood gradients, posterior, log-EI."""

import numpy as np
import pytest
from scipy.optimize import approx_fprime
from scipy.stats import norm

from optimizer_api.samplers.gp import acquisition, kernel, model


def _data(n=12, d=3, with_cat=True, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    cat = np.zeros(d, bool)
    if with_cat:
        cat[-1] = True
        X[:, -1] = rng.integers(3, size=n)
    y = rng.standard_normal(n)
    return X, y, cat


def test_sq_dist_matches_direct_computation():
    X, _, cat = _data()
    inv_ls2 = np.array([2.0, 0.5, 3.0])
    s = kernel.sq_dist(X, X, inv_ls2, cat)
    diff = X[:, None, :] - X[None, :, :]
    direct = (diff[..., :2] ** 2 * inv_ls2[:2]).sum(-1) + inv_ls2[2] * (diff[..., 2] != 0)
    np.testing.assert_allclose(s, direct, atol=1e-12)


def test_matern_derivative_matches_finite_differences():
    s = np.array([0.0, 1e-6, 0.3, 2.0, 9.0])
    h = 1e-7
    k_plus, _ = kernel.matern52(s + h, 1.7)
    k, dk = kernel.matern52(s, 1.7)
    np.testing.assert_allclose((k_plus - k) / h, dk, rtol=1e-4, atol=1e-6)
    assert k[0] == pytest.approx(1.7)


@pytest.mark.parametrize("fixed_noise", [False, True])
def test_neg_log_posterior_gradient_matches_finite_differences(fixed_noise):
    X, y, cat = _data()
    theta = model.prior_mode(3, fixed_noise) + np.random.default_rng(1).normal(
        0, 0.3, 5 - fixed_noise
    )
    _, grad = model.neg_log_posterior(theta, X, y, cat)
    numeric = approx_fprime(theta, lambda t: model.neg_log_posterior(t, X, y, cat)[0], 1e-6)
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-4)


def test_posterior_gradients_match_finite_differences():
    X, y, cat = _data()
    theta = model.prior_mode(3, False)
    post = model.Posterior.build(X, y, cat, theta)
    x = np.array([[0.3, 0.6, 1.0]])
    _, _, dmean, dvar = assert_gradients_match(post, x, numeric=2)
    assert dmean[0, 2] == 0.0 and dvar[0, 2] == 0.0  # categorical column: no gradient


def assert_gradients_match(post, x: np.ndarray, numeric: int):
    """predict_grad's gradients at the row x against central differences of predict, in
    its first `numeric` columns; returns predict_grad's (mean, var, dmean, dvar)."""
    out = post.predict_grad(x)
    _, _, dmean, dvar = out
    for j in range(numeric):
        e = np.zeros_like(x)
        e[0, j] = 1e-6
        (m1, v1), (m0, v0) = post.predict(x + e), post.predict(x - e)
        assert dmean[0, j] == pytest.approx((m1 - m0)[0] / 2e-6, rel=1e-4, abs=1e-6)
        assert dvar[0, j] == pytest.approx((v1 - v0)[0] / 2e-6, rel=1e-4, abs=1e-6)
    return out


def test_posterior_interpolates_noiseless_data():
    X, y, cat = _data(n=15, with_cat=False)
    theta = model.prior_mode(3, True)
    mean, var = model.Posterior.build(X, y, cat, theta).predict(X)
    np.testing.assert_allclose(mean, y, atol=1e-3)
    assert np.all(var < 1e-4)


def test_fit_recovers_a_short_lengthscale_on_the_relevant_dimension():
    rng = np.random.default_rng(3)
    X = rng.random((40, 2))
    y = np.sin(12 * X[:, 0])
    y = (y - y.mean()) / y.std()
    theta = model.fit(X, y, np.zeros(2, bool), [model.prior_mode(2, False)], False)
    assert theta[0] < theta[1]  # x0 matters, x1 does not


def test_fit_never_raises_on_degenerate_data():
    X = np.zeros((5, 2))  # all points identical
    y = np.array([0.0, 1.0, -1.0, 0.5, -0.5])
    theta = model.fit(X, y, np.zeros(2, bool), [model.prior_mode(2, True)], True)
    assert np.all(np.isfinite(theta))


def _ei(mean, std, f_best):
    z = (f_best - mean) / std
    return std * (norm.pdf(z) + z * norm.cdf(z))


def test_log_ei_matches_log_of_ei_where_representable():
    mean = np.linspace(-3, 8, 200)
    std = np.full_like(mean, 0.7)
    value, _ = acquisition.log_ei(mean, std**2, 0.0)
    np.testing.assert_allclose(value, np.log(_ei(mean, std, 0.0)), rtol=1e-7, atol=1e-9)


def test_log_ei_is_finite_and_monotone_in_the_far_tail():
    z = -np.logspace(0, 12, 400)  # EI underflows to 0 well before z = -40
    value, _ = acquisition.log_ei(-z, np.ones_like(z), 0.0)
    assert np.all(np.isfinite(value))
    assert np.all(np.diff(value) < 0)  # lower z (worse mean): lower log-EI
    assert _ei(1e3, 1.0, 0.0) == 0.0


def test_log_ei_gradient_matches_finite_differences_also_in_the_tail():
    mean = np.array([0.1, 3.0, 40.0, 1e5])
    var = np.array([0.5, 0.2, 1.3, 0.9])
    dmean, dvar = np.eye(4)[:, :2] + 0.3, np.eye(4)[:, 2:] * 0.1 + 0.05
    _, grad = acquisition.log_ei(mean, var, 0.0, dmean, dvar)
    for j in range(2):
        h = 1e-7 * np.maximum(1.0, np.abs(mean))
        up = acquisition.log_ei(mean + h * dmean[:, j], var + h * dvar[:, j], 0.0)[0]
        down = acquisition.log_ei(mean - h * dmean[:, j], var - h * dvar[:, j], 0.0)[0]
        np.testing.assert_allclose(grad[:, j], (up - down) / (2 * h), rtol=1e-4)


def test_ucb_prefers_uncertainty_and_low_mean():
    value, _ = acquisition.ucb(np.array([0.0, 0.0, -1.0]), np.array([1.0, 4.0, 1.0]), 2.0)
    assert value[1] > value[0] and value[2] > value[0]


@pytest.mark.parametrize("kind", ["gaussian", "heavy_right", "all_negative", "cubed"])
def test_yeo_johnson_matches_scipy(kind):
    from scipy.stats import yeojohnson

    from optimizer_api.samplers.gp.warp import Warp, _yj, _yj_lambda

    rng = np.random.default_rng(3)
    x = {
        "gaussian": rng.standard_normal(50),
        "heavy_right": np.exp(3 * rng.standard_normal(200)),
        "all_negative": -np.exp(rng.standard_normal(100)),
        "cubed": rng.standard_normal(300) ** 3,
    }[kind]
    z = (x - x.mean()) / x.std()
    expected, lam = yeojohnson(z)
    assert _yj_lambda(z) == pytest.approx(lam, abs=1e-6)
    np.testing.assert_allclose(_yj(z, lam), expected, rtol=1e-10, atol=1e-12)
    w = Warp.fit(x)
    np.testing.assert_allclose(w.inverse(w.forward(x)), x, rtol=1e-6, atol=1e-9)


def test_matern_without_gradient_gives_the_same_values():
    s = np.random.default_rng(0).random((5, 7)) * 4
    k, dk = kernel.matern52(s.copy(), 1.3)
    k2, none = kernel.matern52(s.copy(), 1.3, grad=False)
    np.testing.assert_array_equal(k, k2)
    assert none is None and dk.shape == s.shape


@pytest.mark.parametrize("fixed_noise", [False, True])
def test_neg_log_posterior_matches_a_direct_computation(fixed_noise):
    # The likelihood factors K in place through LAPACK (no copies) and takes the signal
    # variance's gradient from y^T alpha - n: both against the textbook formulas.
    X, y, cat = _data(n=30)
    theta = model.prior_mode(3, fixed_noise) + np.random.default_rng(2).normal(
        0, 0.5, 5 - fixed_noise
    )
    inv_ls2, sf2, sn2 = model.unpack(theta, 3)
    k, _ = kernel.matern52(kernel.sq_dist(X, X, inv_ls2, cat), sf2, grad=False)
    K = k + (sn2 + model.JITTER) * np.eye(len(X))
    direct = 0.5 * y @ np.linalg.solve(K, y) + 0.5 * np.linalg.slogdet(K)[1]
    direct += 0.5 * len(X) * np.log(2 * np.pi)
    prior_only, _ = model._add_prior(theta, 3, 0.0, np.zeros(len(theta)))
    nlp, _ = model.neg_log_posterior(theta, X, y, cat)
    assert nlp == pytest.approx(direct + prior_only, rel=1e-10)


def test_prediction_in_blocks_equals_one_block(monkeypatch):
    X, y, cat = _data(n=40)
    post = model.Posterior.build(X, y, cat, model.prior_mode(3, False))
    Xq = np.random.default_rng(3).random((300, 3))
    Xq[:, 2] = np.random.default_rng(4).integers(3, size=300)
    whole = post.predict(Xq)
    monkeypatch.setattr(model, "PREDICT_BLOCK", 64 * 40)  # blocks of 64 rows
    parts = post.predict(Xq)
    for a, b in zip(whole, parts, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_posterior_mean_returns_to_its_prior_mean_far_from_data():
    X, y, cat = _data(n=20, with_cat=False)
    theta = np.r_[np.log([0.1, 0.1, 0.1]), 0.0, np.log(1e-6)]
    far = np.array([[40.0, 40.0, 40.0]])  # 400 lengthscales away
    for mean0 in (0.0, 1.0):
        post = model.Posterior.build(X, y, cat, theta, mean0=mean0)
        np.testing.assert_allclose(post.predict(X)[0], y, atol=1e-3)  # the data kept
        assert post.predict(far)[0][0] == pytest.approx(mean0, abs=1e-9)
        assert post.predict_grad(far)[0][0] == pytest.approx(mean0, abs=1e-9)
