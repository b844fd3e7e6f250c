"""Samplers on conditional spaces: suggestions carry exactly the active parameters; the
GP's rows hold inactive columns at one value, and it finds an optimum inside a branch."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from optimizer_api import samplers
from optimizer_api.domain import Direction, Trial, TrialState
from optimizer_api.samplers import SamplerContext
from optimizer_api.samplers.gp import GPSampler
from optimizer_api.samplers.gp.encoding import Encoding
from optimizer_api.samplers.gp.history import load_history
from optimizer_api.space import Space

from ..space.test_conditional import NESTED, expected_active

SPACE = Space.from_dict(NESTED)


def draw(name: str, n: int, seed: int = 0) -> list[dict]:
    ctx = SamplerContext(SPACE, Direction.MINIMIZE, seed, list(range(n)))
    return [s.params for s in samplers.get(name).suggest(ctx).suggestions]


@pytest.mark.parametrize("name", ["random", "quasi-random"])
def test_random_draws_carry_exactly_the_active_parameters_of_every_branch(name):
    points = draw(name, 600)
    for p in points:
        assert set(p) == expected_active(p)
        assert SPACE.validate_params(p) == p
    counts = [sum(p["optimizer"] == c for p in points) for c in ("sgd", "adam", "none")]
    assert min(counts) > 150  # each branch a third of the draws
    nest = [p["nesterov"] for p in points if p["optimizer"] == "sgd"]
    assert 0.35 < np.mean(nest) < 0.65
    momentum = [p["momentum"] for p in points if "momentum" in p]
    assert stats.kstest(momentum, "uniform", args=(0, 0.99)).pvalue > 0.01


def test_quasi_random_keeps_the_always_active_parameters_even():
    # the full Sobol vector is drawn and inactive coordinates dropped: the always-active
    # parameters keep the sequence's balance
    def spread(name):
        lr = np.log10([p["lr"] for p in draw(name, 256, seed=3)])
        return stats.kstest((lr + 4) / 4, "uniform").statistic

    assert spread("quasi-random") < spread("random") / 2


def test_gp_rows_hold_inactive_columns_at_one_value():
    enc = Encoding(SPACE)
    a = {"optimizer": "adam", "beta1": 0.9, "lr": 0.01}
    b = {"optimizer": "none", "lr": 0.01}
    X = enc.encode_many([a, b])
    j = {n: i for i, n in enumerate(SPACE.names)}
    assert X[0, j["momentum"]] == X[1, j["momentum"]] == enc.fill[j["momentum"]]
    assert X[1, j["beta1"]] == enc.fill[j["beta1"]]
    assert [enc.decode(x).keys() for x in X] == [a.keys(), b.keys()]
    assert enc.decode(X[0])["beta1"] == pytest.approx(0.9)
    moved = X.copy()
    moved[:, j["momentum"]] = [0.1, 0.7]  # inactive: the same configurations
    assert enc.keys(moved) == enc.keys(X)
    assert np.array_equal(enc.round(moved), X)
    with pytest.raises(KeyError, match="beta1"):
        enc.encode_many([{"optimizer": "adam", "lr": 0.01}])


def test_gp_enumerates_an_all_discrete_conditional_space():
    space = Space.from_dict({
        "model": {"type": "categorical", "choices": ["tree", "knn"]},
        "depth": {"type": "int", "low": 1, "high": 4, "when": {"model": ["tree"]}},
        "k": {"type": "int", "low": 1, "high": 9, "step": 2, "when": {"model": ["knn"]}},
    })
    enc = Encoding(space)
    assert enc.size() == 4 + 5
    rows = enc.enumerate()
    assert len(set(enc.keys(rows))) == 9
    assert sorted(map(repr, (enc.decode(r) for r in rows))) == sorted(
        repr(space.grid_point(i, 1)) for i in range(9))


def branchy(p: dict) -> float:
    """Minimum 0 in the sgd branch (momentum 0.9, no nesterov, lr 0.01); adam's best is a
    decoy at 0.3; "none" is flat at 1."""
    lr = (np.log10(p["lr"]) + 2) ** 2 / 4
    if p["optimizer"] == "sgd":
        extra = 0.2 + 0.1 * p["dampening"] if p["nesterov"] else 0.0
        return (p["momentum"] - 0.9) ** 2 * 4 + lr + extra
    if p["optimizer"] == "adam":
        return 0.3 + (p["beta1"] - 0.95) ** 2 * 20 + lr
    return 1.0 + lr


def test_gp_suggests_active_parameters_and_finds_the_branch_optimum():
    trials: list[Trial] = []
    for n in range(40):
        opts = GPSampler().validate_options({"n_initial": 8}, SPACE)
        ctx = SamplerContext(SPACE, Direction.MINIMIZE, 11, [n], opts, tuple(trials))
        s = GPSampler().suggest(ctx).suggestions[0]
        assert set(s.params) == expected_active(s.params), s.params
        trials.append(Trial(n, n, TrialState.COMPLETED, s.params, branchy(s.params)))
    assert sum(t.info is None for t in trials) == 40
    best = min(trials, key=lambda t: t.value)
    assert best.params["optimizer"] == "sgd" and best.value < 0.05, best
    late = [t.params["optimizer"] for t in trials[20:]]
    assert late.count("sgd") > len(late) / 2  # the model spends its budget on the branch


def test_history_skips_a_trial_lacking_an_active_parameter():
    enc = Encoding(SPACE)
    good = Trial(0, 0, TrialState.COMPLETED, {"optimizer": "none", "lr": 0.1}, 1.0)
    bad = Trial(1, 1, TrialState.COMPLETED, {"optimizer": "adam", "lr": 0.1}, 0.5)
    hist = load_history([good, bad], enc, Direction.MINIMIZE)
    assert hist.n_obs == 1 and hist.y.tolist() == [1.0]
