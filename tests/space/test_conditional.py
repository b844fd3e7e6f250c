"""Conditional parameters: parsing, validation, activity, decoding and the grid."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer_api.errors import InvalidRequest, InvalidSpace
from optimizer_api.space import Space

# sgd has a momentum and optionally nesterov with a dampening (nested two levels);
# adam has beta1; "none" has nothing of its own; lr is always active.
NESTED = {
    "optimizer": {"type": "categorical", "choices": ["sgd", "adam", "none"]},
    "momentum": {"type": "float", "low": 0.0, "high": 0.99, "when": {"optimizer": ["sgd"]}},
    "nesterov": {"type": "categorical", "choices": [True, False],
                 "when": {"optimizer": ["sgd"]}},
    "dampening": {"type": "int", "low": 0, "high": 2, "when": {"nesterov": [True]}},
    "beta1": {"type": "float", "low": 0.8, "high": 0.999, "when": {"optimizer": ["adam"]}},
    "lr": {"type": "float", "low": 1e-4, "high": 1.0, "log": True},
}


def expected_active(config: dict) -> set[str]:
    """The activity rules of NESTED written out by hand."""
    names = {"optimizer", "lr"}
    if config["optimizer"] == "sgd":
        names |= {"momentum", "nesterov"}
        if config["nesterov"] is True:
            names.add("dampening")
    if config["optimizer"] == "adam":
        names.add("beta1")
    return names


def spec(**when):
    return {"type": "float", "low": 0, "high": 1, "when": when}


CAT = {"type": "categorical", "choices": ["a", "b"]}


@pytest.mark.parametrize("space, name, reason", [
    ({"c": CAT, "x": spec(zz=["a"])}, "x", "unknown parameter 'zz'"),
    ({"c": CAT, "y": {"type": "int", "low": 0, "high": 3}, "x": spec(y=[1])}, "x",
     "'y' is not categorical"),
    ({"c": CAT, "x": spec(c=["z"])}, "x", "must be one of ['a', 'b'], got 'z'"),
    ({"c": CAT, "x": spec(c=[])}, "x", "non-empty list"),
    ({"c": CAT, "x": spec(c="a")}, "x", "non-empty list"),
    ({"c": CAT, "x": spec(c=[None])}, "x", "not a string"),
    ({"c": CAT, "x": {"type": "float", "low": 0, "high": 1, "when": {}}}, "x",
     "non-empty object"),
    ({"c": CAT, "x": {"type": "float", "low": 0, "high": 1, "when": ["c"]}}, "x",
     "non-empty object"),
    ({"c": {**CAT, "when": {"c": ["a"]}}}, "c", "cannot depend on itself"),
    ({"a": {**CAT, "when": {"b": ["a"]}}, "b": {**CAT, "when": {"a": ["b"]}}}, "a",
     "cycle a -> b -> a"),
    ({"a": {**CAT, "when": {"b": ["a"]}}, "b": {**CAT, "when": {"c": ["b"]}},
      "c": {**CAT, "when": {"a": ["a"]}}}, "c", "cycle c -> a -> b -> c"),
])
def test_bad_conditions_are_rejected_naming_the_parameter(space, name, reason):
    with pytest.raises(InvalidSpace) as err:
        Space.from_dict(space)
    assert any(reason in m for m in err.value.errors["space"][name]), err.value.errors
    assert f"parameter {name!r}" in err.value.detail


def test_a_child_of_a_cycle_is_not_itself_on_the_cycle():
    with pytest.raises(InvalidSpace) as err:
        Space.from_dict({"a": {**CAT, "when": {"b": ["a"]}}, "b": {**CAT, "when": {"a": ["b"]}},
                         "x": spec(a=["a"])})
    assert set(err.value.errors["space"]) == {"a", "b"}


def test_when_values_take_the_parents_own_choices_and_round_trip():
    space = Space.from_dict({"n": {"type": "categorical", "choices": [1, 2]},
                             "x": spec(n=[2.0]), "y": {**spec(n=[1]), "when": {"n": [1]}}})
    assert space.to_dict()["x"]["when"] == {"n": [2]}
    assert Space.from_dict(space.to_dict()) == space
    assert space.conditional and not Space.from_dict({"c": CAT}).conditional


def test_several_keys_must_all_hold():
    space = Space.from_dict({"a": CAT, "b": CAT, "x": spec(a=["a"], b=["b"])})
    assert "x" in space.active({"a": "a", "b": "b", "x": 0.5})
    for a, b in (("a", "a"), ("b", "b"), ("b", "a")):
        assert "x" not in space.active({"a": a, "b": b, "x": 0.5})


def test_a_parent_may_come_after_its_child_in_the_definition():
    space = Space.from_dict({"x": spec(c=["b"]), "c": CAT})
    assert space.validate_params({"c": "b", "x": 0.25}) == {"x": 0.25, "c": "b"}
    assert space.validate_params({"c": "a"}) == {"c": "a"}
    assert {tuple(space.grid_point(i, 2)) for i in range(space.grid_size(2))} == {
        ("c",), ("x", "c")}


unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(unit, min_size=6, max_size=6))
def test_decode_carries_exactly_the_active_parameters(u):
    space = Space.from_dict(NESTED)
    config = space.decode(np.array(u))
    assert set(config) == expected_active(config)
    assert space.validate_params(config) == config
    U = space.encode(config)
    assert np.isnan(U).tolist() == [n not in config for n in space.names]
    assert space.decode(np.where(np.isnan(U), np.array(u), U)) == config


def test_validation_asks_for_exactly_the_active_parameters():
    space = Space.from_dict(NESTED)
    ok = {"optimizer": "sgd", "momentum": 0.9, "nesterov": False, "lr": 0.1}
    assert space.validate_params(ok) == ok
    cases = [
        ({**ok, "beta1": 0.9}, "beta1", "inactive: optimizer in ['adam']"),
        ({**ok, "nesterov": True}, "dampening", "missing (active: nesterov in [True])"),
        ({**ok, "dampening": 1}, "dampening", "inactive"),
        ({"optimizer": "adam", "lr": 0.1}, "beta1", "missing"),
        ({"optimizer": "adam", "beta1": 0.9, "lr": 0.1, "momentum": 0.5}, "momentum",
         "inactive"),
    ]
    for params, name, reason in cases:
        with pytest.raises(InvalidRequest) as err:
            space.validate_params(params)
        assert reason in err.value.errors["params"][name][0], err.value.errors
        assert len(err.value.errors["params"]) == 1


def test_a_bad_parent_value_does_not_also_blame_its_children():
    space = Space.from_dict(NESTED)
    with pytest.raises(InvalidRequest) as err:
        space.validate_params({"optimizer": "rmsprop", "momentum": 0.5, "lr": 0.1})
    assert set(err.value.errors["params"]) == {"optimizer"}


def brute_force_grid(space: Space, grid_points: int) -> set[tuple]:
    """Every combination of every axis, reduced to its active parameters, deduplicated."""
    axes = space.grid_axes(grid_points)
    points = set()
    for combo in itertools.product(*(range(a.size) for a in axes)):
        config = {n: a.value(k) for n, a, k in zip(space.names, axes, combo, strict=True)}
        points.add(tuple(sorted(space.active(config).items(), key=str)))
    return points


@pytest.mark.parametrize("grid_points", [1, 2, 3])
@pytest.mark.parametrize("definition", [
    NESTED,
    {"x": spec(c=["b"]), "c": CAT, "d": {**CAT, "when": {"c": ["a"]}},
     "y": spec(c=["a"], d=["b"]), "z": {"type": "int", "low": 1, "high": 3}},
    {"a": CAT, "b": {**CAT, "when": {"a": ["b"]}}, "c": {**CAT, "when": {"b": ["b"]}},
     "x": spec(c=["a"]), "y": spec(a=["a"])},
])
def test_grid_enumerates_exactly_the_valid_combinations(definition, grid_points):
    space = Space.from_dict(definition)
    n = space.grid_size(grid_points)
    points = [space.grid_point(i, grid_points) for i in range(n)]
    as_keys = [tuple(sorted(p.items(), key=str)) for p in points]
    assert len(set(as_keys)) == n  # no point twice: the numbering is a bijection
    assert set(as_keys) == brute_force_grid(space, grid_points)
    for p in points:
        assert space.validate_params(p) == p
    with pytest.raises(IndexError):
        space.grid_point(n, grid_points)


def test_grid_size_is_a_sum_over_branches_not_a_product():
    space = Space.from_dict(NESTED)
    # lr 3 x (sgd: momentum 3 x (nesterov True: 3 dampenings + False: 1) + adam: 3 + none: 1)
    assert space.grid_size(3) == 3 * (3 * (3 + 1) + 3 + 1)


def test_a_large_conditional_grid_is_counted_without_enumerating_it():
    definition = {"c": {"type": "categorical", "choices": list(range(50))}}
    for i in range(40):
        definition[f"x{i}"] = {"type": "int", "low": 0, "high": 99, "when": {"c": [i % 50]}}
    space = Space.from_dict(definition)
    assert space.grid_size(5) == 40 * 100 + 10
    assert space.grid_point(space.grid_size(5) - 1, 5) == {"c": 49}
    assert space.grid_point(150, 5) == {"c": 1, "x1": 50}


def test_parents_listed_before_all_their_children_do_not_blow_up_the_grid():
    # 12 parents of 10 choices, then a child of each: the grid counts branch by branch
    definition = {f"p{i}": {"type": "categorical", "choices": list(range(10))} for i in range(12)}
    for i in range(12):
        definition[f"x{i}"] = {"type": "int", "low": 0, "high": 4, "when": {f"p{i}": [0]}}
    space = Space.from_dict(definition)
    assert space.grid_size(2) == (9 + 5) ** 12
    last = space.grid_point(space.grid_size(2) - 1, 2)
    assert last == {f"p{i}": 9 for i in range(12)}
    assert space.grid_point(0, 2) == {**{f"p{i}": 0 for i in range(12)},
                                      **{f"x{i}": 0 for i in range(12)}}
