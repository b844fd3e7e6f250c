"""The median stopping rule on hand-made curves."""

import pytest

from optimizer_api import stopping
from optimizer_api.domain import Direction, Trial, TrialState

MAX, MIN = Direction.MAXIMIZE, Direction.MINIMIZE
rule = stopping.get("median")


def trial(i, values, state=TrialState.COMPLETED, start=1):
    return Trial(i, i, state, {}, intermediate={start + k: v for k, v in enumerate(values)})


def peers(n, value=0.8, steps=10, state=TrialState.COMPLETED):
    return [trial(100 + k, [value] * steps, state) for k in range(n)]


def test_a_trial_below_the_median_stops_with_a_reason():
    d = rule.should_stop(trial(1, [0.5] * 6), peers(5), MAX, {})
    assert d.stop
    assert "0.5" in d.reason and "0.8" in d.reason and "5 completed trials" in d.reason


def test_a_trial_above_the_median_continues():
    d = rule.should_stop(trial(1, [0.9] * 6), peers(5), MAX, {})
    assert d == stopping.Decision(False, None)


def test_the_best_value_so_far_counts_not_the_last():
    curve = [0.5, 0.5, 0.85, 0.5, 0.5, 0.5]
    assert not rule.should_stop(trial(1, curve), peers(5), MAX, {}).stop


def test_the_others_are_judged_by_their_running_average():
    # Each peer averages (0.2 + 1.0) / 2 = 0.6 at step 2; their last value is 1.0.
    others = [trial(100 + k, [0.2, 1.0, 1.0]) for k in range(3)]
    opts = {"min_steps": 0, "min_trials": 3}
    assert not rule.should_stop(trial(1, [0.5, 0.65]), others, MAX, opts).stop
    assert rule.should_stop(trial(1, [0.5, 0.55]), others, MAX, opts).stop


def test_grace_period_holds():
    opts = {"min_steps": 4}
    assert not rule.should_stop(trial(1, [0.1] * 3), peers(5), MAX, opts).stop
    assert rule.should_stop(trial(1, [0.1] * 4), peers(5), MAX, opts).stop


def test_minimum_number_of_trials_at_the_step_holds():
    short = peers(3, steps=10) + peers(3, steps=2)  # only 3 reached step 6
    opts = {"min_trials": 4}
    assert not rule.should_stop(trial(1, [0.1] * 6), short, MAX, opts).stop
    assert rule.should_stop(trial(1, [0.1] * 2), short, MAX, opts | {"min_steps": 0}).stop


def test_minimize():
    assert rule.should_stop(trial(1, [0.9] * 6), peers(5, 0.3), MIN, {}).stop
    assert not rule.should_stop(trial(1, [0.2] * 6), peers(5, 0.3), MIN, {}).stop


def test_only_completed_trials_count():
    states = [s for s in TrialState if s is not TrialState.COMPLETED]
    low = [trial(200 + k, [0.1] * 10, state) for k, state in enumerate(states)]
    opts = {"min_trials": 3}
    assert rule.should_stop(trial(1, [0.5] * 6), peers(3) + low, MAX, opts).stop
    assert not rule.should_stop(trial(1, [0.5] * 6), peers(2) + low, MAX, opts).stop


def test_the_trial_itself_is_not_its_own_peer():
    me = trial(1, [0.5] * 6, TrialState.COMPLETED)
    assert not rule.should_stop(me, [me] + peers(2), MAX, {"min_trials": 3}).stop


def test_a_tie_with_the_median_continues():
    assert not rule.should_stop(trial(1, [0.8] * 6), peers(5), MAX, {}).stop


def test_gaps_in_steps_are_fine():
    others = [
        Trial(100 + k, k, TrialState.COMPLETED, {}, intermediate={5: 0.8, 10: 0.9})
        for k in range(5)
    ]
    me = Trial(1, 1, TrialState.RUNNING, {}, intermediate={7: 0.6})
    assert rule.should_stop(me, others, MAX, {}).stop


def test_defaults_are_filled_and_serializable():
    assert rule.validate_options({}) == rule.defaults


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"grace": 1}, "grace"),
        ({"min_steps": -1}, "min_steps"),
        ({"min_trials": 0}, "min_trials"),
        ({"min_trials": 2.5}, "min_trials"),
        ({"min_steps": True}, "min_steps"),
    ],
)
def test_bad_options_name_the_option(options, name):
    with pytest.raises(ValueError, match=name):
        rule.validate_options(options)
