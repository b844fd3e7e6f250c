"""The early-stopping rules, by the name a study definition uses.

Contract with the service: when a rule says stop, `observe` answers should_stop=true;
the client then ends the trial as `pruned` with its last reported value. A pruned
trial keeps its curve: rules count it up to the step it reached.
"""

from __future__ import annotations

from .asha import ASHARule
from .base import Cohort, Decision, Rule
from .median import MedianRule
from .patience import PatienceRule
from .threshold import ThresholdRule

_REGISTRY: dict[str, Rule] = {
    r.name: r for r in (MedianRule(), ASHARule(), PatienceRule(), ThresholdRule())
}


def names() -> list[str]:
    return sorted(_REGISTRY)


def get(name: str) -> Rule:
    """The rule called `name`; KeyError when there is none."""
    return _REGISTRY[name]


__all__ = ["Cohort", "Decision", "Rule", "get", "names"]
