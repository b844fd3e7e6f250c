"""The `bayesian` sampler through the SamplerContext contract, as the service calls it."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer_api.domain import Direction, Trial, TrialState
from optimizer_api.samplers import get
from optimizer_api.samplers.base import SamplerContext
from optimizer_api.samplers.gp import GPSampler
from optimizer_api.samplers.gp.encoding import Encoding
from optimizer_api.samplers.gp.history import load_history
from optimizer_api.space import Space

MIXED = Space.from_dict(
    {
        "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": True},
        "units": {"type": "int", "low": 16, "high": 256, "step": 16},
        "layers": {"type": "int", "low": 1, "high": 300, "log": True},
        "act": {"type": "categorical", "choices": ["relu", "tanh", 3, True]},
        "drop": {"type": "float", "low": 0.0, "high": 0.5, "step": 0.05},
        "x": {"type": "float", "low": -1.0, "high": 1.0},
    }
)
QUAD = Space.from_dict(
    {"x": {"type": "float", "low": -5, "high": 5}, "y": {"type": "float", "low": -5, "high": 5}}
)


def quad(p):
    return (p["x"] - 1.3) ** 2 + (p["y"] + 0.7) ** 2


def ctx(space, trials=(), numbers=(0,), seed=7, options=None, state=None, direction="minimize"):
    opts = GPSampler().validate_options(options or {}, space)
    return SamplerContext(
        space, Direction(direction), seed, list(numbers), opts, tuple(trials), state
    )


def completed(space, func, n, seed=0, start=0):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        p = space.decode(rng.random(len(space)))
        out.append(Trial(start + i, start + i, TrialState.COMPLETED, p, func(p)))
    return out


def mixed_value(p):
    return (
        (np.log10(p["lr"]) + 3) ** 2
        + (p["units"] - 96) ** 2 / 1e4
        + p["drop"]
        + (0.0 if p["act"] == "tanh" else 0.5)
        + p["x"] ** 2
        + np.log(p["layers"]) / 10
    )


def key(params):
    return tuple(sorted((k, repr(v)) for k, v in params.items()))


def test_registered_and_options_validated():
    s = get("bayesian")
    assert isinstance(s, GPSampler) and s.needs_history
    opts = s.validate_options({}, QUAD)
    assert opts == {"n_initial": 10, "deterministic": False, "acquisition": "log_ei", "beta": 2.0}
    for bad, name in [
        ({"n_initial": 0}, "n_initial"),
        ({"n_initial": True}, "n_initial"),
        ({"acquisition": "pi"}, "acquisition"),
        ({"beta": -1}, "beta"),
        ({"deterministic": "yes"}, "deterministic"),
        ({"foo": 1}, "foo"),
    ]:
        with pytest.raises(ValueError, match=name):
            s.validate_options(bad, QUAD)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-0.5, 4.0, allow_nan=False), min_size=6, max_size=6))
def test_rounding_and_decoding_always_give_valid_params(u):
    enc = Encoding(MIXED)
    row = enc.round(np.array([u]))[0]
    params = enc.decode(row)
    assert MIXED.validate_params(params) == params
    assert enc.key(enc.encode(params)) == enc.key(row)  # rounding lands on the config itself


def test_initial_design_then_model_with_explanations():
    trials = completed(QUAD, quad, 3)
    first = GPSampler().suggest(ctx(QUAD, trials, numbers=[3], options={"n_initial": 5}))
    assert first.suggestions[0].info == {"source": "initial_design"}
    trials = completed(QUAD, quad, 6)
    prop = GPSampler().suggest(ctx(QUAD, trials, numbers=[6], options={"n_initial": 5}))
    info = prop.suggestions[0].info
    assert info["source"] == "model" and info["acquisition"]["name"] == "log_ei"
    assert np.isfinite(info["predicted_mean"]) and info["predicted_std"] >= 0
    assert np.isfinite(info["acquisition"]["value"])
    assert set(prop.state) >= {"theta"}


def test_deterministic_under_a_seed_and_with_its_own_state():
    trials = completed(MIXED, mixed_value, 14)
    a = GPSampler().suggest(ctx(MIXED, trials, numbers=[14, 15]))
    b = GPSampler().suggest(ctx(MIXED, trials, numbers=[14, 15]))
    assert [s.params for s in a.suggestions] == [s.params for s in b.suggestions]
    c = GPSampler().suggest(ctx(MIXED, trials, numbers=[14, 15], state=a.state))
    d = GPSampler().suggest(ctx(MIXED, trials, numbers=[14, 15], state=a.state))
    assert [s.params for s in c.suggestions] == [s.params for s in d.suggestions]


def test_batch_and_running_trials_give_distinct_configurations():
    trials = completed(MIXED, mixed_value, 12)
    prop = GPSampler().suggest(ctx(MIXED, trials, numbers=range(12, 16)))
    keys = {key(s.params) for s in prop.suggestions} | {key(t.params) for t in trials}
    assert len(keys) == 16
    # eight workers one after the other, each seeing the others' trials as running
    trials = completed(QUAD, quad, 20)
    for n in range(20, 28):
        s = GPSampler().suggest(ctx(QUAD, trials, numbers=[n])).suggestions[0]
        trials.append(Trial(n, n, TrialState.RUNNING, s.params))
    assert len({key(t.params) for t in trials}) == 28
    xs = np.array([[t.params["x"], t.params["y"]] for t in trials[20:]])
    dists = np.linalg.norm(xs[:, None] - xs[None], axis=-1)[np.triu_indices(8, 1)]
    assert dists.min() > 1e-3  # believers push the next point away, not next door


def test_failed_and_expired_configurations_are_not_suggested_again():
    space = Space.from_dict(
        {
            "a": {"type": "int", "low": 0, "high": 3},
            "b": {"type": "categorical", "choices": ["u", "v"]},
        }
    )
    trials = completed(space, lambda p: p["a"] + (p["b"] == "u"), 0)
    configs = [{"a": a, "b": b} for a in range(4) for b in "uv"]
    for i, p in enumerate(configs[:5]):
        state = [TrialState.COMPLETED, TrialState.FAILED, TrialState.EXPIRED][i % 3]
        value = p["a"] + (p["b"] == "u") if state is TrialState.COMPLETED else None
        trials.append(Trial(i, i, state, p, value))
    prop = GPSampler().suggest(ctx(space, trials, numbers=[5, 6, 7], options={"n_initial": 1}))
    got = [key(s.params) for s in prop.suggestions]
    assert len(set(got)) == 3 and not set(got) & {key(p) for p in configs[:5]}
    # the space is now exhausted: a suggestion is still given (a repeat)
    full = trials + [
        Trial(5 + i, 5 + i, TrialState.COMPLETED, s.params, 1.0)
        for i, s in enumerate(prop.suggestions)
    ]
    again = GPSampler().suggest(ctx(space, full, numbers=[8], options={"n_initial": 1}))
    assert space.validate_params(again.suggestions[0].params)


def test_all_categorical_study():
    space = Space.from_dict(
        {f"c{i}": {"type": "categorical", "choices": list("abcde")} for i in range(3)}
    )

    def f(p):
        return sum(p[f"c{i}"] != "c" for i in range(3))

    trials = []
    for n in range(20):
        s = GPSampler().suggest(ctx(space, trials, numbers=[n], options={"n_initial": 5}))
        p = s.suggestions[0].params
        trials.append(Trial(n, n, TrialState.COMPLETED, p, f(p)))
    assert len({key(t.params) for t in trials}) == 20
    assert min(t.value for t in trials) == 0


def test_single_parameter_study_and_maximize():
    space = Space.from_dict({"t": {"type": "float", "low": 0.0, "high": 1.0}})
    trials = []
    for n in range(12):
        prop = GPSampler().suggest(
            ctx(space, trials, numbers=[n], options={"n_initial": 3}, direction="maximize")
        )
        p = prop.suggestions[0].params
        trials.append(Trial(n, n, TrialState.COMPLETED, p, -((p["t"] - 0.37) ** 2)))
    best = max(trials, key=lambda t: t.value)
    assert abs(best.params["t"] - 0.37) < 0.02
    assert prop.suggestions[0].info["predicted_mean"] <= 1e-3  # in the user's sign


def test_pruned_trials_with_values_are_observations_and_ucb_works():
    trials = completed(QUAD, quad, 8)
    trials.append(Trial(8, 8, TrialState.PRUNED, {"x": 1.3, "y": -0.7}, 0.0, {0: 0.0}))
    prop = GPSampler().suggest(
        ctx(QUAD, trials, numbers=[9], options={"acquisition": "ucb", "beta": 1.0, "n_initial": 3})
    )
    assert prop.suggestions[0].info["acquisition"]["name"] == "ucb"
    hist = load_history(trials, Encoding(QUAD), Direction.MINIMIZE)
    assert hist.n_obs == 9 and hist.y.min() == 0.0


def test_deterministic_option_and_bad_state_are_tolerated():
    trials = completed(QUAD, quad, 10)
    for state in (
        None,
        {"theta": "garbage"},
        {"version": 1, "names": ["x", "y"], "deterministic": True, "theta": [1e9] * 3},
    ):
        prop = GPSampler().suggest(
            ctx(QUAD, trials, numbers=[10], options={"deterministic": True}, state=state)
        )
        assert prop.suggestions[0].info["source"] == "model"


def test_quadratic_reaches_the_optimum_in_a_fixed_budget():
    trials, state = [], None
    for n in range(25):
        prop = GPSampler().suggest(ctx(QUAD, trials, numbers=[n], seed=3, state=state))
        state = prop.state
        p = prop.suggestions[0].params
        trials.append(Trial(n, n, TrialState.COMPLETED, p, quad(p)))
    assert min(t.value for t in trials) < 1e-2


@pytest.mark.parametrize("acq", ["log_ei", "ucb"])
def test_explanations_are_finite_json_on_heavy_tailed_values(acq):
    import json

    trials = completed(QUAD, lambda p: np.exp(3 * abs(p["x"])) * (1 + p["y"] ** 4), 15)
    prop = GPSampler().suggest(ctx(QUAD, trials, numbers=[15, 16], options={"acquisition": acq}))
    for s in prop.suggestions:
        json.dumps(s.info, allow_nan=False)
    json.dumps(prop.state, allow_nan=False)


def test_fit_subset_is_stable_as_the_study_grows():
    from optimizer_api.samplers.gp.fitstate import MAX_FIT_POINTS, fit_subset

    a, b = set(fit_subset(7, 600)), set(fit_subset(7, 601))
    assert len(a) == len(b) == MAX_FIT_POINTS
    assert len(b - a) <= 1 and max(a | b) <= 600


def test_history_encodes_all_trials_at_once_like_one_by_one_and_skips_misfits():
    enc = Encoding(MIXED)
    trials = completed(MIXED, mixed_value, 40)
    X = enc.encode_many([t.params for t in trials])
    np.testing.assert_array_equal(X, np.array([enc.encode(t.params) for t in trials]))
    bad = Trial(40, 40, TrialState.COMPLETED, {**trials[0].params, "act": "elu"}, 1.0)
    hist = load_history([*trials, bad], enc, Direction.MINIMIZE)
    assert hist.n_obs == 40
    np.testing.assert_array_equal(hist.X, X)
