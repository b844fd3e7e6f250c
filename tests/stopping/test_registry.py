"""The registry of early-stopping rules and what every rule shares."""

import json

import pytest

from optimizer_api import stopping
from optimizer_api.domain import Direction, Trial, TrialState


def test_names():
    assert stopping.names() == ["asha", "median", "patience", "threshold"]


def test_unknown_rule_is_a_key_error():
    with pytest.raises(KeyError):
        stopping.get("hyperband")


@pytest.mark.parametrize("name", ["asha", "median", "patience"])
def test_defaults_are_json_serializable(name):
    json.dumps(stopping.get(name).validate_options({}))


@pytest.mark.parametrize("name", stopping.names())
def test_non_mapping_options_are_refused(name):
    with pytest.raises(ValueError):
        stopping.get(name).validate_options([1, 2])


@pytest.mark.parametrize("name", stopping.names())
def test_a_trial_without_values_continues(name):
    rule = stopping.get(name)
    opts = {"bound": 0.5} if name == "threshold" else {}
    empty = Trial(1, 1, TrialState.RUNNING, {})
    assert not rule.should_stop(empty, [], Direction.MAXIMIZE, opts).stop


@pytest.mark.parametrize("name", stopping.names())
def test_non_finite_values_are_ignored(name):
    rule = stopping.get(name)
    opts = {"bound": 0.5} if name == "threshold" else {}
    nan = Trial(1, 1, TrialState.RUNNING, {}, intermediate={1: float("nan")})
    assert not rule.should_stop(nan, [], Direction.MAXIMIZE, opts).stop


def test_decision_is_frozen():
    d = stopping.Decision(True, "why")
    with pytest.raises(AttributeError):
        d.stop = False
