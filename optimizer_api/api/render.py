"""Use-case results as they go over the wire: (HTTP status, JSON-able body).

The service stores this answer with an Idempotency-Key in the use case's transaction
(create_app hands it `answer`), and views send it.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from ..service import Created, Enqueued, Observed, Suggested, TrialAnswer
from .schemas import study_json, trial_json


@singledispatch
def answer(result: Any) -> tuple[int, Any]:
    raise TypeError(f"no answer for {type(result).__name__}")


@answer.register
def _(result: Created) -> tuple[int, Any]:
    return (201 if result.created else 200), study_json(result.view)


@answer.register
def _(result: Suggested) -> tuple[int, Any]:
    return 200, {
        "trials": [trial_json(t, result.study) for t in result.trials],
        "study_status": result.status,
        "status_reason": result.status_reason,
    }


@answer.register
def _(result: Observed) -> tuple[int, Any]:
    return 200, {
        "trial": trial_json(result.trial, result.study),
        "should_stop": result.should_stop,
        "study_status": result.status,
        "status_reason": result.status_reason,
    }


@answer.register
def _(result: TrialAnswer) -> tuple[int, Any]:
    return 200, {"trial": trial_json(result.trial, result.study)}


@answer.register
def _(result: Enqueued) -> tuple[int, Any]:
    return 201, {"trials": [trial_json(t) for t in result.trials]}
