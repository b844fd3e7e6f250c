"""Asynchronous successive halving."""

import pytest

from optimizer_api import stopping
from optimizer_api.domain import Direction, Trial, TrialState
from optimizer_api.stopping.asha import rungs

MAX, MIN = Direction.MAXIMIZE, Direction.MINIMIZE
rule = stopping.get("asha")
OPTS = {"min_resource": 1, "reduction_factor": 3, "max_resource": 30}


def trial(i, values, state=TrialState.COMPLETED):
    return Trial(i, i, state, {}, intermediate={k + 1: v for k, v in enumerate(values)})


def test_rungs():
    assert list(rungs(1, 3, 30, 100)) == [1, 3, 9, 27]
    assert list(rungs(2, 2, 16, 100)) == [2, 4, 8]
    assert list(rungs(1, 3, None, 10)) == [1, 3, 9]


def test_outside_the_top_third_at_a_rung_stops():
    others = [trial(10 + k, [0.1 * k] * 30) for k in range(1, 6)]  # 0.1 .. 0.5
    d = rule.should_stop(trial(1, [0.35]), others, MAX, OPTS)
    assert d.stop and "rung 1" in d.reason and "top 2 of 6" in d.reason
    assert not rule.should_stop(trial(1, [0.45]), others, MAX, OPTS).stop


def test_decided_only_when_reaching_a_rung():
    others = [trial(10 + k, [0.9] * 30) for k in range(6)]
    assert not rule.should_stop(trial(1, [0.95, 0.1]), others, MAX, OPTS).stop  # step 2
    assert rule.should_stop(trial(1, [0.95, 0.1, 0.1]), others, MAX, OPTS).stop  # rung 3


def test_promoted_while_too_few_trials_reached_the_rung():
    others = [trial(10, [0.9] * 30)]
    assert not rule.should_stop(trial(1, [0.1]), others, MAX, OPTS).stop
    # Trials that stopped before rung 3 do not compete there.
    others = [trial(10, [0.9] * 30)] + [trial(20 + k, [0.95], TrialState.PRUNED) for k in range(4)]
    assert not rule.should_stop(trial(1, [0.1, 0.1, 0.1]), others, MAX, OPTS).stop


def test_no_rung_at_or_beyond_max_resource():
    others = [trial(10 + k, [0.9] * 30) for k in range(9)]
    mine = [0.95] * 26 + [0.1]
    assert rule.should_stop(trial(1, mine), others, MAX, OPTS).stop  # rung 27
    opts = OPTS | {"max_resource": 27}
    assert not rule.should_stop(trial(1, mine), others, MAX, opts).stop


def test_minimize():
    others = [trial(10 + k, [float(k)] * 30) for k in range(1, 6)]  # 1 .. 5
    assert rule.should_stop(trial(1, [3.5]), others, MIN, OPTS).stop
    assert not rule.should_stop(trial(1, [1.5]), others, MIN, OPTS).stop


def test_a_report_skipping_steps_is_judged_at_the_last_rung_it_crossed():
    others = [trial(10 + k, [0.9] * 30) for k in range(6)]
    me = Trial(1, 1, TrialState.RUNNING, {}, intermediate={2: 0.95, 10: 0.5})
    d = rule.should_stop(me, others, MAX, OPTS)
    assert d.stop and "rung 9" in d.reason


def test_failed_trials_do_not_compete():
    others = [trial(10 + k, [0.9] * 30, TrialState.FAILED) for k in range(6)]
    assert not rule.should_stop(trial(1, [0.1]), others, MAX, OPTS).stop


def test_defaults():
    assert rule.validate_options({}) == rule.defaults


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"min_resource": 0}, "min_resource"),
        ({"reduction_factor": 1}, "reduction_factor"),
        ({"min_resource": 4, "max_resource": 4}, "max_resource"),
        ({"eta": 3}, "eta"),
        ({"reduction_factor": "3"}, "reduction_factor"),
    ],
)
def test_bad_options_name_the_option(options, name):
    with pytest.raises(ValueError, match=name):
        rule.validate_options(options)
