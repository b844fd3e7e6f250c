"""PED-ANOVA importance on functions whose answer is known."""

import math

import numpy as np
import pytest

from optimizer_api.analysis import importance, importance_report
from optimizer_api.domain import Direction, Trial, TrialState
from optimizer_api.space import Space

MIN, MAX = Direction.MINIMIZE, Direction.MAXIMIZE
FLOATS = Space.from_dict({f"x{i}": {"type": "float", "low": 0, "high": 1} for i in range(8)})
WEIGHTS = np.array([8, 4, 2, 1, 0, 0, 0, 0])
MIXED = Space.from_dict(
    {
        "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": True},
        "batch": {"type": "categorical", "choices": [16, 32, 64, 128]},
        "units": {"type": "int", "low": 16, "high": 256, "step": 16},
        "layers": {"type": "int", "low": 1, "high": 1000, "log": True},
        "dropout": {"type": "float", "low": 0, "high": 0.5, "step": 0.05},
        "act": {"type": "categorical", "choices": ["relu", "tanh", "gelu"]},
        "epochs": {"type": "int", "low": 5, "high": 60},
    }
)


def completed(space, U, values):
    """Completed trials at unit-cube points U, shape (n, d), with the given values."""
    return [
        Trial(i, i, TrialState.COMPLETED, space.decode(u), float(v))
        for i, (u, v) in enumerate(zip(U, values, strict=True))
    ]


def uniform(space, n, seed=0):
    """n points drawn uniformly from the unit cube: (U, the trials' own unit positions)."""
    U = np.random.default_rng(seed).random((n, len(space)))
    return U, np.array([space.encode(space.decode(u)) for u in U]).reshape(U.shape)


def weighted(n=2000, seed=0):
    """f = sum_i w_i (x_i - 0.5)^2 with w = 8, 4, 2, 1, 0, 0, 0, 0: the best are central."""
    U, X = uniform(FLOATS, n, seed)
    return completed(FLOATS, U, ((X - 0.5) ** 2) @ WEIGHTS)


def ranking(shares):
    return sorted(shares, key=shares.get, reverse=True)


def assert_shares(shares, names):
    assert list(shares) == list(names)
    assert all(v >= 0 for v in shares.values())
    assert math.isclose(sum(shares.values()), 1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weights_rank_in_order_and_inert_parameters_last(seed):
    shares = importance(FLOATS, weighted(seed=seed), MIN)
    assert_shares(shares, FLOATS.names)
    assert ranking(shares)[:4] == ["x0", "x1", "x2", "x3"]
    assert max(shares[f"x{i}"] for i in range(4, 8)) < 0.02


def test_negated_values_maximized_give_the_same_shares():
    trials = weighted()
    flipped = [Trial(t.id, t.number, t.state, t.params, -t.value) for t in trials]
    assert importance(FLOATS, flipped, MAX) == importance(FLOATS, trials, MIN)


def test_the_direction_decides_which_parameter_matters():
    # A narrow dip along x0 and a narrow peak along x1: the lowest values need x0 near
    # 0.3, the highest need x1 near 0.7.
    U, X = uniform(FLOATS, 2000)
    f = -np.exp(-(((X[:, 0] - 0.3) / 0.05) ** 2)) + np.exp(-(((X[:, 1] - 0.7) / 0.05) ** 2))
    trials = completed(FLOATS, U, f)
    assert ranking(importance(FLOATS, trials, MIN))[0] == "x0"
    assert ranking(importance(FLOATS, trials, MAX))[0] == "x1"


def test_every_kind_of_parameter_is_read_on_its_own_scale():
    # The same shape of effect on each one's unit scale: the weights decide the order.
    U, X = uniform(MIXED, 3000)
    lr, units, layers, dropout = X[:, 0], X[:, 2], X[:, 3], X[:, 4]
    f = 8 * abs(lr - 0.3) + 4 * abs(units - 0.5) + 2 * abs(layers - 0.7) + abs(dropout - 0.5)
    shares = importance(MIXED, completed(MIXED, U, f), MIN)
    assert_shares(shares, MIXED.names)
    assert ranking(shares)[:4] == ["lr", "units", "layers", "dropout"]
    assert max(shares[k] for k in ("batch", "act", "epochs")) < 0.02


def test_a_categorical_parameter_that_matters_ranks_first():
    U, _ = uniform(MIXED, 1000)
    act = np.array([MIXED.decode(u)["act"] for u in U])
    noise = np.random.default_rng(1).random(len(U))
    f = np.where(act == "gelu", 0.0, 1.0) + 0.01 * noise
    shares = importance(MIXED, completed(MIXED, U, f), MIN)
    assert ranking(shares)[0] == "act"
    assert shares["act"] > 0.9


def test_ties_at_the_cut_are_all_among_the_best():
    # Half the trials share the best value: the top quantile is that half, all of x0 < 0.5.
    U, X = uniform(FLOATS, 1000)
    report = importance_report(FLOATS, completed(FLOATS, U, X[:, 0] >= 0.5), MIN)
    assert report.n_top == int(np.sum(X[:, 0] < 0.5))
    assert ranking(report.importances)[0] == "x0"
    assert report.importances["x0"] > 0.9


def test_same_input_same_output_and_the_order_of_trials_does_not_matter():
    trials = weighted(n=500)
    first = importance(FLOATS, trials, MIN)
    assert importance(FLOATS, trials, MIN) == first
    shuffled = importance(FLOATS, trials[::-1], MIN)
    assert np.allclose(list(shuffled.values()), list(first.values()), rtol=1e-9, atol=0)


def test_only_completed_trials_with_a_finite_value_count():
    trials = weighted(n=300)
    params = trials[0].params
    others = [
        Trial(1000, 1000, TrialState.COMPLETED, params, math.nan),
        Trial(1001, 1001, TrialState.COMPLETED, params, -math.inf),
        Trial(1002, 1002, TrialState.COMPLETED, params, None),
        Trial(1003, 1003, TrialState.PRUNED, params, -100.0),
        Trial(1004, 1004, TrialState.FAILED, params, -100.0),
        Trial(1005, 1005, TrialState.RUNNING, params),
        Trial(1006, 1006, TrialState.EXPIRED, params, -100.0),
    ]
    report = importance_report(FLOATS, trials + others, MIN)
    assert report.n_trials == 300
    assert report.importances == importance(FLOATS, trials, MIN)


@pytest.mark.parametrize("n", [0, 1])
def test_fewer_than_two_trials_give_zeros(n):
    report = importance_report(FLOATS, weighted(n=n), MIN)
    assert report.importances == dict.fromkeys(FLOATS.names, 0.0)
    assert (report.n_trials, report.method) == (n, "ped-anova")


def test_two_trials_are_enough_for_an_answer():
    shares = importance(FLOATS, weighted(n=2), MIN)
    assert_shares(shares, FLOATS.names)


def test_a_constant_value_gives_zeros():
    U, _ = uniform(FLOATS, 200)
    report = importance_report(FLOATS, completed(FLOATS, U, np.full(200, 3.0)), MAX)
    assert report.importances == dict.fromkeys(FLOATS.names, 0.0)
    assert report.n_top == 200


def test_a_single_parameter_that_matters_has_it_all():
    space = Space.from_dict({"x": {"type": "float", "low": -5, "high": 5}})
    U, X = uniform(space, 100)
    assert importance(space, completed(space, U, X[:, 0] ** 2), MAX) == {"x": 1.0}


def test_a_single_choice_explains_nothing():
    space = Space.from_dict(
        {
            "only": {"type": "categorical", "choices": ["a"]},
            "x": {"type": "float", "low": 0, "high": 1},
        }
    )
    U, X = uniform(space, 100)
    assert importance(space, completed(space, U, X[:, 1]), MIN) == {"only": 0.0, "x": 1.0}


def test_the_report_says_what_it_used():
    report = importance_report(FLOATS, weighted(n=1000), MIN, target_quantile=0.2)
    assert (report.n_trials, report.n_top) == (1000, 200)
    assert (report.target_quantile, report.region_quantile) == (0.2, 1.0)


def test_a_region_quantile_looks_among_the_better_trials_only():
    # Within the best half, only the strongest parameters still separate the best.
    shares = importance(FLOATS, weighted(n=4000), MIN, region_quantile=0.5)
    assert_shares(shares, FLOATS.names)
    assert ranking(shares)[:2] == ["x0", "x1"]


@pytest.mark.parametrize("target, region", [(0.0, 1.0), (0.5, 0.5), (0.2, 1.5), (-1, 0.5)])
def test_quantiles_out_of_order_are_refused(target, region):
    with pytest.raises(ValueError, match="target_quantile"):
        importance(FLOATS, [], MIN, target_quantile=target, region_quantile=region)


def test_conditional_parameters_are_judged_where_they_are_active():
    # sgd's momentum decides the best trials; adam's beta1 is inert within its branch;
    # "none" has no parameter of its own; lr is inert everywhere.
    space = Space.from_dict({
        "opt": {"type": "categorical", "choices": ["sgd", "adam", "none"]},
        "momentum": {"type": "float", "low": 0, "high": 1, "when": {"opt": ["sgd"]}},
        "beta1": {"type": "float", "low": 0, "high": 1, "when": {"opt": ["adam"]}},
        "lr": {"type": "float", "low": 0, "high": 1},
    })
    rng = np.random.default_rng(0)
    trials = []
    for i, u in enumerate(rng.random((1500, 4))):
        p = space.decode(u)
        v = (p["momentum"] - 0.8) ** 2 if p["opt"] == "sgd" else 0.2 + 0.01 * rng.random()
        trials.append(Trial(i, i, TrialState.COMPLETED, p, v))
    shares = importance(space, trials, MIN)
    assert_shares(shares, space.names)
    assert set(ranking(shares)[:2]) == {"momentum", "opt"}
    assert shares["beta1"] == 0.0  # no top trial is an adam one
    assert shares["lr"] < 0.1 * shares["momentum"]
