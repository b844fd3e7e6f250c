"""Search spaces: validation, encoding round trips, grids."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer_api.errors import InvalidRequest, InvalidSpace
from optimizer_api.space import Space

MIXED = {
    "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": True},
    "x": {"type": "float", "low": -2.0, "high": 3.0},
    "m": {"type": "float", "low": 0.0, "high": 1.0, "step": 0.1},
    "n": {"type": "int", "low": 1, "high": 100, "log": True},
    "k": {"type": "int", "low": 0, "high": 60, "step": 15},
    "c": {"type": "categorical", "choices": ["a", 2, True, 2.5]},
}


@pytest.mark.parametrize("spec, reason", [
    ({"type": "float", "low": 1, "high": 1}, "less than high"),
    ({"type": "float", "low": 0, "high": 1, "log": True}, "low > 0"),
    ({"type": "int", "low": 0, "high": 10, "step": 3}, "does not divide"),
    ({"type": "float", "low": 0, "high": 1, "step": 0.3}, "does not divide"),
    ({"type": "int", "low": 0.5, "high": 3}, "integer"),
    ({"type": "int", "low": 1, "high": 9, "step": 2, "log": True}, "cannot be combined"),
    ({"type": "float", "low": "0", "high": 1}, "finite number"),
    ({"type": "float", "low": True, "high": 1}, "finite number"),
    ({"type": "float", "low": 0, "high": 1, "log": "yes"}, "boolean"),
    ({"type": "float", "low": 0, "high": 1, "step": -1}, "positive"),
    ({"type": "float", "low": 0, "high": 1, "base": 2}, "unknown key"),
    ({"type": "vector"}, "unknown type"),
    ({"low": 0, "high": 1}, "unknown type"),
    ({"type": "categorical", "choices": []}, "non-empty"),
    ({"type": "categorical", "choices": "abc"}, "non-empty list"),
    ({"type": "categorical", "choices": [1, 1.0]}, "duplicate"),
    ({"type": "categorical", "choices": ["a", None]}, "not a string"),
    ({"type": "categorical", "choices": [[1]]}, "not a string"),
    ([1, 2], "must be an object"),
])
def test_inconsistent_parameters_are_rejected_with_name_and_reason(spec, reason):
    with pytest.raises(InvalidSpace) as err:
        Space.from_dict({"p": spec})
    assert reason in err.value.errors["space"]["p"][0]
    assert "'p'" in err.value.detail


def test_every_problem_is_reported_at_once():
    with pytest.raises(InvalidSpace) as err:
        Space.from_dict({"a": {"type": "x"}, "b": {"type": "int", "low": 2, "high": 1}})
    assert set(err.value.errors["space"]) == {"a", "b"}


@pytest.mark.parametrize("raw", [{}, [], None, "x"])
def test_space_must_be_a_non_empty_object(raw):
    with pytest.raises(InvalidSpace):
        Space.from_dict(raw)


def test_true_and_one_are_distinct_choices():
    space = Space.from_dict({"c": {"type": "categorical", "choices": [1, True, "1"]}})
    assert [space.decode(np.array([u]))["c"] for u in (0.1, 0.5, 0.9)] == [1, True, "1"]
    assert space.validate_params({"c": True}) == {"c": True}
    assert space.validate_params({"c": 1.0}) == {"c": 1}


unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(unit, min_size=6, max_size=6))
def test_decode_is_valid_and_encode_round_trips(u):
    space = Space.from_dict(MIXED)
    params = space.decode(np.array(u))
    assert space.validate_params(params) == params  # inside bounds, on steps, in choices
    assert isinstance(params["n"], int) and isinstance(params["k"], int)
    assert space.decode(space.encode(params)) == params
    assert np.all((space.encode(params) >= 0) & (space.encode(params) <= 1))


@settings(max_examples=200, deadline=None)
@given(low=st.integers(-1000, 1000), width=st.integers(1, 1000), u=unit)
def test_int_decoding_stays_in_bounds(low, width, u):
    space = Space.from_dict({"i": {"type": "int", "low": low, "high": low + width}})
    value = space.decode(np.array([u]))["i"]
    assert low <= value <= low + width and space.decode(space.encode({"i": value}))["i"] == value


def test_validate_params_names_every_bad_parameter():
    space = Space.from_dict(MIXED)
    good = space.decode(np.full(6, 0.5))
    with pytest.raises(InvalidRequest) as err:
        space.validate_params({**good, "x": 9.0, "k": 7, "extra": 1})
    assert set(err.value.errors["params"]) == {"x", "k", "extra"}


def test_grid_sizes_and_order():
    space = Space.from_dict(MIXED)
    axes = [a.size for a in space.grid_axes(5)]
    assert axes == [5, 5, 11, 100, 5, 4]
    assert space.grid_size(5) == math.prod(axes)
    assert space.grid_point(0, 5) == {"lr": 1e-05, "x": -2.0, "m": 0.0, "n": 1, "k": 0, "c": "a"}
    assert space.grid_point(1, 5)["c"] == 2  # the last parameter varies fastest
    last = space.grid_point(space.grid_size(5) - 1, 5)
    assert last == {"lr": 0.1, "x": 3.0, "m": 1.0, "n": 100, "k": 60, "c": 2.5}
    lr = [space.grid_axes(5)[0].value(k) for k in range(5)]
    assert lr == pytest.approx([1e-5, 1e-4, 1e-3, 1e-2, 1e-1])  # spaced on the log scale
    with pytest.raises(IndexError):
        space.grid_point(space.grid_size(5), 5)


def test_small_grid_enumerates_each_point_exactly_once():
    space = Space.from_dict({"a": {"type": "int", "low": 0, "high": 2},
                             "b": {"type": "categorical", "choices": ["x", "y"]},
                             "c": {"type": "float", "low": 0, "high": 1}})
    points = [space.grid_point(i, 3) for i in range(space.grid_size(3))]
    assert len(points) == 18
    assert len({tuple(p.items()) for p in points}) == 18
    assert {p["c"] for p in points} == {0.0, 0.5, 1.0}


def test_a_ten_million_point_grid_is_never_materialized():
    space = Space.from_dict({f"p{i}": {"type": "int", "low": 0, "high": 9} for i in range(7)})
    assert space.grid_size(5) == 10**7
    assert space.grid_point(1234567, 5) == {f"p{i}": int(d) for i, d in enumerate("1234567")}
