"""Pareto fronts and hypervolumes against brute force on random point sets."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer_api.analysis.pareto import hypervolume, non_dominated, reference_point


def brute_non_dominated(Y):
    """Every pair compared."""
    n = len(Y)
    return np.array([
        not any(np.all(Y[j] <= Y[i]) and np.any(Y[j] < Y[i]) for j in range(n) if j != i)
        for i in range(n)
    ], dtype=bool)


def brute_hypervolume(Y, ref):
    """Cut the box below ref at every coordinate of Y; a cell counts when some row
    dominates its lower corner (cells are then wholly dominated)."""
    k = len(ref)
    inside = Y[np.all(Y < ref, axis=1)]
    if len(inside) == 0:
        return 0.0
    edges = [np.unique(np.r_[inside[:, j], ref[j]]) for j in range(k)]
    total = 0.0
    for cell in itertools.product(*(range(len(e) - 1) for e in edges)):
        low = np.array([edges[j][c] for j, c in enumerate(cell)])
        high = np.array([edges[j][c + 1] for j, c in enumerate(cell)])
        if np.any(np.all(inside <= low, axis=1)):
            total += float(np.prod(high - low))
    return total


@st.composite
def point_sets(draw, max_rows=9):
    """(Y, ref): small integer-valued points (so ties and duplicates are common), some
    of them beyond the reference point, in 2 to 4 objectives."""
    k = draw(st.integers(2, 4))
    n = draw(st.integers(0, max_rows))
    cells = st.integers(0, 6)
    rows = draw(st.lists(st.lists(cells, min_size=k, max_size=k), min_size=n, max_size=n))
    Y = np.array(rows, dtype=float).reshape(n, k)
    if n and draw(st.booleans()):
        Y = np.vstack([Y, Y[: draw(st.integers(1, n))]])  # exact duplicates
    ref = np.array(draw(st.lists(st.integers(3, 7), min_size=k, max_size=k)), dtype=float)
    scale = draw(st.sampled_from([1.0, 0.37, 13.0]))
    return Y * scale, ref * scale


@settings(max_examples=300, deadline=None)
@given(point_sets(max_rows=30))
def test_non_dominated_matches_brute_force(case):
    Y, _ = case
    np.testing.assert_array_equal(non_dominated(Y), brute_non_dominated(Y))


@settings(max_examples=300, deadline=None)
@given(point_sets())
def test_hypervolume_matches_brute_force(case):
    Y, ref = case
    assert hypervolume(Y, ref) == pytest.approx(brute_hypervolume(Y, ref), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("k", [2, 3, 4])
def test_hypervolume_of_continuous_random_points(k):
    rng = np.random.default_rng(k)
    Y = rng.random((12, k))
    ref = np.full(k, 0.9)
    assert hypervolume(Y, ref) == pytest.approx(brute_hypervolume(Y, ref), rel=1e-9)


def test_hypervolume_of_known_shapes():
    assert hypervolume(np.array([[1.0]]), np.array([3.0])) == 2.0
    # Two overlapping rectangles: 2*1 + 1*2 - 1*1.
    assert hypervolume(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([2.0, 2.0])) == 3.0
    assert hypervolume(np.zeros((1, 4)), np.full(4, 2.0)) == 16.0
    # On the reference point or beyond it in one coordinate: nothing.
    assert hypervolume(np.array([[2.0, 0.0], [0.0, 5.0]]), np.array([2.0, 2.0])) == 0.0
    assert hypervolume(np.empty((0, 3)), np.ones(3)) == 0.0


def test_non_dominated_keeps_duplicates_and_drops_weak_domination():
    Y = np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 3.0], [2.0, 1.0], [3.0, 3.0]])
    np.testing.assert_array_equal(non_dominated(Y), [True, True, False, True, False])
    Y3 = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 4.0], [0.0, 5.0, 5.0]])
    np.testing.assert_array_equal(non_dominated(Y3), [True, True, False, True])


@pytest.mark.parametrize("k", [2, 3])
def test_non_dominated_on_ten_thousand_points_agrees_with_a_pairwise_check(k):
    rng = np.random.default_rng(0)
    Y = np.round(rng.random((10_000, k)), 3)  # ties in each column
    mask = non_dominated(Y)
    front, rest = Y[mask], Y[~mask]
    # No front row dominates another; every other row is dominated by some front row.
    assert not np.any(brute_non_dominated(front) == 0)
    le = np.all(front[None, :, :] <= rest[:, None, :], axis=2)
    lt = np.any(front[None, :, :] < rest[:, None, :], axis=2)
    assert np.all(np.any(le & lt, axis=1))


def test_reference_point_is_the_worst_value_plus_a_tenth_of_the_range():
    Y = np.array([[0.0, -5.0, 3.0], [10.0, -1.0, 3.0]])
    np.testing.assert_allclose(reference_point(Y), [11.0, -0.6, 3.3])
    np.testing.assert_allclose(reference_point(np.array([[-0.2, 0.0]])), [-0.1, 0.1])
