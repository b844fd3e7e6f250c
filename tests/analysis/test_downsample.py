"""The subset a chart of a big study shows."""

from __future__ import annotations

import numpy as np

from optimizer_api.analysis.downsample import best_so_far_changes, sample
from optimizer_api.domain import Direction

MIN, MAX = Direction.MINIMIZE, Direction.MAXIMIZE


def test_best_so_far_changes_follow_the_direction_and_skip_nan():
    v = np.array([5.0, np.nan, 4.0, 6.0, 4.0, 1.0])
    assert best_so_far_changes(v, MIN).tolist() == [0, 2, 5]
    assert best_so_far_changes(v, MAX).tolist() == [0, 3]
    assert best_so_far_changes(np.array([np.nan, np.nan]), MIN).tolist() == []


def test_small_inputs_come_back_whole():
    assert sample(np.arange(5.0), MIN, 5).tolist() == [0, 1, 2, 3, 4]


def test_a_sample_keeps_every_improvement_the_top_and_spreads_the_rest():
    rng = np.random.default_rng(0)
    v = rng.normal(size=50_000)
    for direction in (MIN, MAX):
        keep = sample(v, direction, 1000)
        assert len(keep) == 1000 and np.all(np.diff(keep) > 0)
        assert set(best_so_far_changes(v, direction)) <= set(keep)
        order = np.argsort(v if direction is MIN else -v)
        assert set(order[:50]) <= set(keep)
        gaps = np.diff(keep)
        assert gaps.max() < 50_000 / 1000 * 3  # no long stretch left out
        assert np.array_equal(keep, sample(v, direction, 1000))  # deterministic


def test_monotone_improvements_beyond_the_limit_keep_first_and_last():
    v = -np.arange(10_000.0)  # every trial improves on the last (minimize)
    keep = sample(v, MIN, 100)
    assert len(keep) == 100 and keep[0] == 0 and keep[-1] == 9_999


def test_failed_entries_are_sampled_but_never_best():
    v = np.full(300, np.nan)
    v[::3] = np.arange(100.0)
    keep = sample(v, MIN, 30, top=5)
    assert len(keep) == 30 and {0, 3, 6, 9, 12} <= set(keep)
