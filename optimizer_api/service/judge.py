"""Whether a trial that reported an intermediate value should stop.

Two reasons: the study's early-stopping rule says so (judging the curve of the objective
its `objective` names, the first by default, in that objective's direction), or the
trial is a re-queued copy of a grid point whose earlier attempt has a result after all
(a late result of an expired trial: the copy is no longer needed, and is told so at its
next report). Reports about other objectives than the judged one are kept, and never
answered with a stop.

A rule that compares with the other trials reads one number per trial at the judged
step (stopping.Cohort, store/cohorts.py). On SQLite every writer waits for the write
lock, so that read is done before it, in a read transaction (`ahead`); the write
transaction uses the verdict if the trial's curve is still the one judged, and judges
again (the same bounded read) if a concurrent report of the same trial changed it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from sqlalchemy import Connection

from .. import stopping
from ..domain import Study, Trial, TrialState
from ..store import cohorts, sql

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """The rule's answer for a curve of `size` values ending at step `last`."""

    size: int
    last: int
    reason: str | None


def ahead(conn: Connection, study: Study, trial: Trial, step: int, value: float,
          now: float, objective: str | None = None) -> Verdict | None:
    """The rule's verdict on the trial once (step, value) about `objective` (a name; None:
    the first) is added, when it needs the other trials (the costly part); None when there
    is nothing costly to do early, or the report is not about the objective it judges."""
    rule, options = _rule(study)
    judged = study.judged_objective
    if (rule is None or trial.state is not TrialState.RUNNING
            or study.objective_index(objective) != judged):
        return None
    curve = trial.curve(judged)
    if step in curve:
        return None
    mine = replace(trial, intermediate={**curve, step: value})
    need = rule.cohort(mine, options)
    if need is None:
        return None
    reason = _decide(rule, options, study, mine, _others(conn, study, mine, need, now))
    return Verdict(len(mine.intermediate), max(mine.intermediate), reason)


def stop_reason(conn: Connection, study: Study, trial: Trial, now: float,
                verdict: Verdict | None = None, objective: int = 0) -> str | None:
    """Why the trial (its report about the objective of index `objective` just stored)
    should stop now, or None. The rule judges the curve of the objective it names; a
    report about another one is only kept (None)."""
    if objective != study.judged_objective:
        return None
    duplicate = _point_done(conn, study, trial)
    if duplicate:
        return duplicate
    rule, options = _rule(study)
    if rule is None:
        return None
    trial = judged_view(study, trial)
    if verdict and (verdict.size, verdict.last) == (len(trial.intermediate),
                                                     max(trial.intermediate)):
        return verdict.reason
    need = rule.cohort(trial, options)
    others = _others(conn, study, trial, need, now) if need else []
    return _decide(rule, options, study, trial, others)


def judged_view(study: Study, trial: Trial) -> Trial:
    """The trial as the rule sees it: `intermediate` is the judged objective's curve."""
    judged = study.judged_objective
    return trial if judged == 0 else replace(trial, intermediate=trial.curve(judged))


def _point_done(conn: Connection, study: Study, trial: Trial) -> str | None:
    if trial.grid_index is None:
        return None
    number = sql.result_for_point(conn, study.id, trial.grid_index, trial.id)
    if number is None:
        return None
    return (f"grid point {trial.grid_index} already has a result (trial {number}, which "
            "reported after its lease lapsed): this re-queued copy is not needed")


def _rule(study: Study):
    spec = study.definition.get("early_stopping")
    if not spec:
        return None, None
    options = {k: v for k, v in spec.items() if k not in ("rule", "objective")}
    return stopping.get(spec["rule"]), options


def _others(conn, study: Study, trial: Trial, need: stopping.Cohort, now) -> list[Trial]:
    found = cohorts.summaries(conn, study.id, now, need.step, need.kind, need.states,
                              study.judged_objective)
    return [t for t in found if t.id != trial.id]


def _decide(rule, options, study: Study, trial: Trial, others: list[Trial]) -> str | None:
    direction = study.objectives[study.judged_objective].direction
    try:
        decision = rule.should_stop(trial, others, direction, options)
    except Exception:  # a rule must never fail a report
        log.exception("rule %s failed on trial %s", rule.name, trial.id)
        return None
    return (decision.reason or f"stopped by the {rule.name} rule") if decision.stop else None
