"""The threshold rule."""

import pytest

from optimizer_api import stopping
from optimizer_api.domain import Direction, Trial, TrialState

MAX, MIN = Direction.MAXIMIZE, Direction.MINIMIZE
rule = stopping.get("threshold")


def trial(values):
    return Trial(
        1, 1, TrialState.RUNNING, {}, intermediate={k + 1: v for k, v in enumerate(values)}
    )


def test_maximize_stops_below_the_bound():
    d = rule.should_stop(trial([0.9, 0.4]), [], MAX, {"bound": 0.5})
    assert d.stop and "below the bound 0.5" in d.reason and "step 2" in d.reason
    assert not rule.should_stop(trial([0.4, 0.6]), [], MAX, {"bound": 0.5}).stop


def test_minimize_stops_above_the_bound():
    assert rule.should_stop(trial([3.0]), [], MIN, {"bound": 2.0}).stop
    assert not rule.should_stop(trial([1.0]), [], MIN, {"bound": 2.0}).stop


def test_a_value_equal_to_the_bound_continues():
    assert not rule.should_stop(trial([0.5]), [], MAX, {"bound": 0.5}).stop


def test_not_before_min_step():
    opts = {"bound": 0.5, "min_step": 3}
    assert not rule.should_stop(trial([0.1, 0.1]), [], MAX, opts).stop
    assert rule.should_stop(trial([0.1, 0.1, 0.1]), [], MAX, opts).stop


def test_defaults():
    assert rule.validate_options({"bound": 1}) == {"bound": 1, "min_step": 0}


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({}, "bound"),
        ({"bound": "high"}, "bound"),
        ({"bound": float("inf")}, "bound"),
        ({"bound": 1, "min_step": -2}, "min_step"),
        ({"bound": 1, "upper": 2}, "upper"),
    ],
)
def test_bad_options_name_the_option(options, name):
    with pytest.raises(ValueError, match=name):
        rule.validate_options(options)
