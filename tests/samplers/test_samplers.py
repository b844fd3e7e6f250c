"""Random and quasi-random sampling: bounds, scale, steps, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from optimizer_api import samplers
from optimizer_api.domain import Direction
from optimizer_api.samplers import SamplerContext
from optimizer_api.space import Space

SPACE = Space.from_dict({
    "lr": {"type": "float", "low": 1e-6, "high": 1.0, "log": True},
    "x": {"type": "float", "low": -1.0, "high": 1.0},
    "m": {"type": "float", "low": 0.0, "high": 1.0, "step": 0.25},
    "n": {"type": "int", "low": 1, "high": 1000, "log": True},
    "c": {"type": "categorical", "choices": ["a", "b", "c"]},
})


def draw(name: str, n: int, seed: int = 0, start: int = 0) -> list[dict]:
    ctx = SamplerContext(SPACE, Direction.MINIMIZE, seed, list(range(start, start + n)))
    return [s.params for s in samplers.get(name).suggest(ctx).suggestions]


@pytest.mark.parametrize("name", ["random", "quasi-random"])
def test_samples_are_valid_and_cover_each_scale(name):
    points = draw(name, 512)
    for p in points:
        assert SPACE.validate_params(p) == p
    log_lr = np.log10([p["lr"] for p in points])
    assert stats.kstest((log_lr + 6) / 6, "uniform").pvalue > 0.01  # uniform in log space
    assert stats.kstest(([p["x"] for p in points]), "uniform", args=(-1, 2)).pvalue > 0.01
    assert {p["m"] for p in points} == {0.0, 0.25, 0.5, 0.75, 1.0}
    assert {p["c"] for p in points} == {"a", "b", "c"}
    assert all(isinstance(p["n"], int) for p in points)
    assert np.median([p["n"] for p in points]) < 100  # log-uniform: median near sqrt(1000)


@pytest.mark.parametrize("name", ["random", "quasi-random"])
def test_same_seed_same_suggestions_whatever_the_batching(name):
    together = draw(name, 6, seed=5)
    apart = draw(name, 3, seed=5) + draw(name, 3, seed=5, start=3)
    assert together == apart
    assert draw(name, 6, seed=6) != together


def test_sobol_points_are_more_even_than_random():
    space = Space.from_dict({"a": {"type": "float", "low": 0, "high": 1},
                             "b": {"type": "float", "low": 0, "high": 1}})

    def discrepancy(name):
        ctx = SamplerContext(space, Direction.MINIMIZE, 3, list(range(256)))
        pts = np.array([[s.params["a"], s.params["b"]]
                        for s in samplers.get(name).suggest(ctx).suggestions])
        from scipy.stats import qmc
        return qmc.discrepancy(pts)

    assert discrepancy("quasi-random") < discrepancy("random") / 2


def test_unknown_options_are_rejected():
    for name in ("random", "quasi-random", "grid"):
        with pytest.raises(ValueError, match="unknown option"):
            samplers.get(name).validate_options({"bogus": 1}, SPACE)


def test_grid_takes_points_handed_back_first_then_fresh_ones_from_the_cursor():
    from optimizer_api.domain import Direction
    from optimizer_api.samplers import SamplerContext, get
    from optimizer_api.space import Space

    grid = get("grid")
    space = Space.from_dict({"a": {"type": "int", "low": 0, "high": 4}})
    options = grid.validate_options({}, space)

    def ask(n, cursor, requeued=()):
        ctx = SamplerContext(space=space, direction=Direction.MINIMIZE, seed=1,
                             numbers=range(n), options=options, cursor=cursor,
                             requeued=requeued)
        return grid.suggest(ctx)

    first = ask(2, 0)
    assert [s.index for s in first.suggestions] == [0, 1] and first.cursor == 2
    assert [s.params["a"] for s in first.suggestions] == [0, 1]
    assert [s.info for s in first.suggestions] == [{"grid_index": 0}, {"grid_index": 1}]
    again = ask(3, 2, requeued=[1])
    assert [s.index for s in again.suggestions] == [1, 2, 3] and again.cursor == 4
    end = ask(4, 4)
    assert [s.index for s in end.suggestions] == [4] and end.cursor == 5
    assert ask(2, 5).suggestions == [] and ask(2, 5).cursor == 5
    assert grid.size(space, options) == 5 and grid.max_retries(options) == 1
