"""The unit-cube mapping: vectorised and one-value forms agree, decoding is what it was,
and the GP's rounding lands where decoding does."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer_api.samplers.gp.encoding import Encoding
from optimizer_api.space import CategoricalParam, Space
from optimizer_api.space.unit import (
    from_unit,
    index_to_unit,
    scale_bounds,
    to_unit,
    unit_of,
    unit_to_index,
    value_of,
)

SPACE = Space.from_dict({
    "x": {"type": "float", "low": -2.0, "high": 3.0},
    "z": {"type": "float", "low": -0.0, "high": 1e-3},
    "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": True},
    "n": {"type": "int", "low": 1, "high": 300, "log": True},
    "few": {"type": "int", "low": 3, "high": 7, "log": True},
    "d": {"type": "float", "low": 0.0, "high": 0.5, "step": 0.05},
    "u": {"type": "int", "low": 16, "high": 256, "step": 16},
    "e": {"type": "int", "low": -5, "high": 60},
    "c": {"type": "categorical", "choices": ["relu", 3, True, 2.5]},
    # beyond 2**53 and 2**63: exact Python ints, as before the mapping was vectorised
    "big": {"type": "int", "low": 10**17, "high": 10**17 + 1024},
    "wide": {"type": "int", "low": 0, "high": 2**62},
    "huge": {"type": "int", "low": 0, "high": 1e300},
    "huge_log": {"type": "int", "low": 1, "high": 1e300, "log": True},
})
PARAMS = {p.name: p for p in SPACE.params}
BEYOND_FLOATS = ("big", "wide", "huge", "huge_log")  # encoded as float64: off by a few
GP_PARAMS = [p for p in SPACE.params if p.name not in BEYOND_FLOATS]

positions = st.lists(
    st.one_of(st.floats(-0.5, 1.5, allow_nan=False), st.sampled_from([0.0, -0.0, 1.0, 0.5])),
    min_size=1,
    max_size=40,
)


def decoded_before(p, u):
    """Decoding as the scalar code did it before the mapping was vectorised (the oracle:
    a seeded study must keep suggesting the same values, to the bit)."""
    u = min(max(float(u), 0.0), 1.0)
    if isinstance(p, CategoricalParam):
        return p.choices[min(int(u * p.n_values), p.n_values - 1)]
    n = p.n_values
    if p.log:
        lo, hi = scale_bounds(p)
        x = math.exp(lo + u * (hi - lo))
        return int(min(max(round(x), p.low), p.high)) if p.is_int else min(max(x, p.low), p.high)
    if n is None:
        return min(max(p.low + u * (p.high - p.low), p.low), p.high)
    return p.value_at(min(int(u * n), n - 1))


def same(a, b) -> bool:
    """Equal, of the same type, with the same sign of zero."""
    return type(a) is type(b) and repr(a) == repr(b)


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_decoding_is_what_it_was_to_the_bit(name):
    p = PARAMS[name]
    u = np.random.default_rng(len(name)).uniform(-0.2, 1.2, 3000)
    u[:6] = [0.0, -0.0, 1.0, 0.5, np.nextafter(1.0, 0.0), 5e-324]
    assert all(same(value_of(p, ui), decoded_before(p, ui)) for ui in u)


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(sorted(PARAMS)), u=positions)
def test_decoding_many_at_once_is_decoding_each(name, u):
    p = PARAMS[name]
    many = from_unit(p, np.array(u)).tolist()
    assert all(same(v, value_of(p, ui)) for ui, v in zip(u, many, strict=True))


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(sorted(set(PARAMS) - set(BEYOND_FLOATS))), u=positions)
def test_values_encode_one_or_many_alike_and_decode_back(name, u):
    p = PARAMS[name]
    values = [value_of(p, ui) for ui in u]
    units = to_unit(p, values)
    assert units.tolist() == [unit_of(p, v) for v in values]
    assert [value_of(p, x) for x in units] == values
    assert np.all((units >= 0) & (units <= 1))


@pytest.mark.parametrize("p", [p for p in GP_PARAMS if p.n_values], ids=lambda p: p.name)
def test_each_value_of_a_discrete_parameter_owns_the_centre_of_its_cell(p):
    k = np.arange(min(p.n_values, 5000))
    centres = index_to_unit(p, k)
    assert np.all(np.diff(centres) > 0) and 0 < centres[0] and centres[-1] < 1
    np.testing.assert_array_equal(unit_to_index(p, centres), k)
    assert [value_of(p, c) for c in centres[:50]] == [p.value_at(int(i)) for i in k[:50]]


@settings(max_examples=60, deadline=None)
@given(u=st.lists(st.floats(-0.5, 1.5, allow_nan=False), min_size=9, max_size=9))
def test_gp_rounding_lands_on_the_decoded_configuration(u):
    space = Space(GP_PARAMS)
    enc = Encoding(space)
    row = np.array(u, dtype=float)  # categorical columns hold the category's index
    row[enc.cat] = np.clip(row[enc.cat] * enc.n_values[enc.cat], 0, None)
    for j in np.flatnonzero(enc.discrete & ~enc.cat):
        p = space.params[j]
        assert p.value_at(int(enc.to_index(j, row[j:j + 1])[0])) == value_of(p, row[j])
    params = enc.decode(row)
    assert enc.key(enc.encode(params)) == enc.key(row)
    np.testing.assert_array_equal(enc.encode_many([params, params]), [enc.encode(params)] * 2)


def test_decoding_is_exact_beyond_what_floats_hold():
    big, huge, huge_log = PARAMS["big"], PARAMS["huge"], PARAMS["huge_log"]
    assert value_of(big, 0.3) == 10**17 + 307 and value_of(big, 1.0) == 10**17 + 1024
    assert value_of(huge, 1.0) == huge.high and isinstance(value_of(huge, 0.5), int)
    assert value_of(huge_log, 0.0) == 1 and isinstance(value_of(huge_log, 0.7), int)
    k = unit_to_index(huge, np.array([0.0, 1.0]))
    assert k.dtype == object and k.tolist() == [0, huge.n_values - 1]
    with pytest.raises(ValueError):
        value_of(PARAMS["e"], float("nan"))
