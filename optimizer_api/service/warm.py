"""Warm start: a study's parent studies, named at creation, and their trials for the model.

`warm_start: {"studies": [...]}` names up to MAX_PARENTS earlier studies, by id (an
integer) or by name (a string: the creating owner's study of that name). They are
resolved to ids when the study is created: each must exist and be visible to the owner
(else 422 naming `warm_start.studies[i]`); the stored definition keeps the ids.

What a parent's trials become for this study (`SamplerContext.prior_trials`):
- its best MAX_PARENT_TRIALS completed trials with a finite value, the value negated when
  the parent's direction differs (so that better means the same thing);
- their params restricted to the parameters both spaces share (by name); a parameter
  only this study has is left out, and the model treats the parents' knowledge as
  constant along it; a parameter only the parent has is dropped (its effect averages in);
- a trial is kept only when each shared value lies inside this study's parameter: within
  [low, high] for numbers (off-step values are kept: the model is continuous there),
  one of the choices for categoricals. A parent whose range differs still informs the
  overlap, and nothing outside this space is ever suggested because of it.
A parent deleted since contributes nothing; only direct parents count (not theirs).

A study of several objectives, or with constraints (the models of samplers/gp/multi.py),
matches the parents' outcomes by name: each trial's `values` follow this study's
objectives, a parent's value of the objective of the same name (negated when the two
directions differ), NaN where the parent has no objective of that name (a parent that
declared none has one, named "value"); its `constraint_values` follow this study's
constraints, the parent's raw value of the constraint of the same name, NaN where it has
none. A column no parent reports is modelled from this study's trials alone. A study
of one objective takes each parent's first objective (`value`), whatever its name. A
parent's trials are read by its first objective either way (its best MAX_PARENT_TRIALS:
all of them for most studies; past that, the others' best may be left out).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from ..domain import Direction, Owner, Study, Trial, TrialState
from ..errors import InvalidRequest
from ..space import CategoricalParam, Space
from ..store import reads, sql

MAX_PARENTS = 5  # as SageMaker's warm start
# A parent's best trials read per suggest (the model keeps the best 100 that fit this
# space): a parent of 50,000 trials costs a bounded read, not all of them each time.
MAX_PARENT_TRIALS = 1000
FIELD = "warm_start"


def canonical(raw: Any) -> dict[str, Any] | None:
    """The warm_start field checked for shape (references resolve at creation)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or set(raw) != {"studies"}:
        raise _bad(FIELD, "must be null or an object with 'studies' only")
    refs = raw["studies"]
    if not isinstance(refs, list) or not 1 <= len(refs) <= MAX_PARENTS:
        raise _bad(f"{FIELD}.studies", f"must be a list of 1 to {MAX_PARENTS} studies")
    for i, ref in enumerate(refs):
        is_id = isinstance(ref, int) and not isinstance(ref, bool) and 0 < ref < 2**63
        if not is_id and not (isinstance(ref, str) and 1 <= len(ref) <= 200):
            raise _bad(f"{FIELD}.studies[{i}]", "must be a study id or a study name")
        if ref in refs[:i]:
            raise _bad(f"{FIELD}.studies[{i}]", f"{ref!r} is named twice")
    return {"studies": list(refs)}


def resolve(conn: Connection, owner: Owner, spec: Mapping[str, Any] | None) -> list[int]:
    """The parents' ids, or InvalidRequest naming the first unknown or invisible one."""
    ids: list[int] = []
    for i, ref in enumerate((spec or {}).get("studies", [])):
        parent = sql.get_study(conn, ref) if isinstance(ref, int) else sql.find_study(
            conn, owner.name, ref)
        if parent is None or not owner.sees(parent.owner):
            raise _bad(f"{FIELD}.studies[{i}]", f"no study {ref!r} to warm-start from")
        if parent.id in ids:
            raise _bad(f"{FIELD}.studies[{i}]", f"study {parent.id} is named twice")
        ids.append(parent.id)
    return ids


def prior_trials(conn: Connection, study: Study, space: Space) -> list[Trial]:
    """The parents' completed trials as this study's model takes them (module docstring)."""
    spec = study.definition.get(FIELD)
    out: list[Trial] = []
    for parent_id in (spec or {}).get("studies", []):
        parent = sql.get_study(conn, parent_id)
        if parent is None:
            continue
        theirs = set(Space.from_dict(parent.definition["space"]).names)
        shared = [p for p in space.params if p.name in theirs]
        if not shared:
            continue
        sign = 1.0 if parent.direction == study.direction else -1.0
        best = reads.best_completed(conn, parent_id, parent.direction is Direction.MAXIMIZE,
                                    MAX_PARENT_TRIALS)
        by_name = _by_name(study, parent) if _several(study) else None
        out += _converted(best, shared, sign, parent_id, by_name)
    return out


def _several(study: Study) -> bool:
    """Whether the study's model reads each trial's outcomes by column (multi.py)."""
    return study.multi_objective or bool(study.constraints)


def _by_name(study: Study, parent: Study) -> Callable[[Trial], tuple[tuple | None, tuple]]:
    """How a parent trial's outcomes become this study's (values, constraint_values):
    by objective and constraint name (module docstring)."""
    theirs = {o.name: (i, o.direction) for i, o in enumerate(parent.objectives)}
    objectives = []  # (the parent's index or None, the sign that makes better the same)
    for o in study.objectives:
        i, direction = theirs.get(o.name, (None, o.direction))
        objectives.append((i, 1.0 if direction == o.direction else -1.0))
    their_constraints = {c.name: i for i, c in enumerate(parent.constraints)}
    constraints = [their_constraints.get(c.name) for c in study.constraints]

    def convert(t: Trial) -> tuple[tuple | None, tuple]:
        values = t.values if t.values is not None else (t.value,)
        cv = t.constraint_values or ()
        mine = None if len(objectives) == 1 else tuple(  # one objective: `value`, as ever
            math.nan if i is None or i >= len(values) else sign * values[i]
            for i, sign in objectives)
        return mine, tuple(math.nan if i is None or i >= len(cv) else cv[i]
                           for i in constraints)

    return convert


def _converted(trials: Sequence[Trial], shared, sign: float, parent_id: int,
               by_name: Callable[[Trial], tuple[tuple | None, tuple]] | None = None,
               ) -> list[Trial]:
    out = []
    for t in trials:
        if t.value is None or not math.isfinite(t.value):
            continue
        params = {}
        for p in shared:
            value = t.params.get(p.name)
            if not _inside(p, value):
                break
            params[p.name] = value
        else:
            values, constraint_values = by_name(t) if by_name else (None, None)
            out.append(Trial(t.id, t.number, TrialState.COMPLETED, params, sign * t.value,
                             study_id=parent_id, values=values,
                             constraint_values=constraint_values))
    return out


def _inside(p, value: Any) -> bool:
    """Whether a parent's value lies in this study's parameter (module docstring)."""
    if isinstance(p, CategoricalParam):
        try:
            p.validate_value(value)
        except (ValueError, KeyError, TypeError):
            return False
        return True
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    return numeric and math.isfinite(value) and p.low <= value <= p.high


def _bad(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"{field}: {message}", errors={field: [message]})
