"""The patience rule."""

import pytest

from optimizer_api import stopping
from optimizer_api.domain import Direction, Trial, TrialState

MAX, MIN = Direction.MAXIMIZE, Direction.MINIMIZE
rule = stopping.get("patience")


def trial(values):
    return Trial(
        1, 1, TrialState.RUNNING, {}, intermediate={k + 1: v for k, v in enumerate(values)}
    )


def test_a_plateau_stops_after_patience_steps():
    opts = {"patience": 3}
    assert not rule.should_stop(trial([0.5, 0.9, 0.9, 0.9]), [], MAX, opts).stop
    d = rule.should_stop(trial([0.5, 0.9, 0.9, 0.9, 0.9]), [], MAX, opts)
    assert d.stop and "last 3 steps" in d.reason


def test_an_improving_curve_continues():
    assert not rule.should_stop(trial([0.1 * k for k in range(10)]), [], MAX, {"patience": 2}).stop


def test_not_before_patience_steps_of_history():
    assert not rule.should_stop(trial([0.5, 0.4, 0.3]), [], MAX, {"patience": 3}).stop
    assert rule.should_stop(trial([0.5, 0.4, 0.3, 0.2]), [], MAX, {"patience": 3}).stop


def test_min_delta():
    curve = [0.5, 0.51, 0.52]
    assert not rule.should_stop(trial(curve), [], MAX, {"patience": 2}).stop
    assert rule.should_stop(trial(curve), [], MAX, {"patience": 2, "min_delta": 0.05}).stop


def test_minimize():
    assert not rule.should_stop(trial([3.0, 2.0, 1.0]), [], MIN, {"patience": 2}).stop
    assert rule.should_stop(trial([1.0, 2.0, 3.0]), [], MIN, {"patience": 2}).stop


def test_gaps_count_in_steps_not_reports():
    t = Trial(1, 1, TrialState.RUNNING, {}, intermediate={10: 0.9, 12: 0.8})
    assert not rule.should_stop(t, [], MAX, {"patience": 3}).stop
    t = Trial(1, 1, TrialState.RUNNING, {}, intermediate={10: 0.9, 13: 0.8})
    assert rule.should_stop(t, [], MAX, {"patience": 3}).stop


def test_defaults():
    assert rule.validate_options({}) == rule.defaults


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"patience": 0}, "patience"),
        ({"min_delta": -0.1}, "min_delta"),
        ({"min_delta": "x"}, "min_delta"),
        ({"steps": 3}, "steps"),
    ],
)
def test_bad_options_name_the_option(options, name):
    with pytest.raises(ValueError, match=name):
        rule.validate_options(options)
