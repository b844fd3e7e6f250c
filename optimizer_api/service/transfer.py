"""A whole study as one JSON document, and back: its definition, notes, counters and
every trial with its intermediate values, exactly as stored (timestamps as epoch
seconds), so that a study moves between servers and stores (SQLite to PostgreSQL) and
an import exported again gives the same document, ids aside.

The document is versioned (FORMAT, VERSION); an import checks all of it before it
writes anything, and writes it in one transaction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, insert, select

from ..domain import Constraint, ConstraintOp, Study, Trial, TrialState
from ..errors import Conflict, InvalidRequest
from ..space import Space
from ..store import reads, sql
from ..store.tables import intermediate_values, trials
from . import definition
from .attrs import check_attrs
from .queue import check_params

FORMAT = "optimizer-api/study"
VERSION = 1
MAX_ERRORS = 20  # problems named in one answer
CHUNK = 1000  # rows per INSERT
STUDY_FIELDS = ("name", "definition", "given", "description", "metadata", "seed", "created_at",
                "next_number", "grid_cursor", "sampler_state")
TRIAL_FIELDS = ("number", "state", "params", "value", "reason", "worker_id", "external",
                "info", "user_attrs", "grid_index", "created_at", "finished_at",
                "lease_expires_at", "intermediate_values", "values", "constraint_values",
                "objective_intermediate_values")


# -- export ----------------------------------------------------------------------------
def study_doc(study: Study) -> dict[str, Any]:
    """The document's head: the study without its trials."""
    stored = dict(study.definition)
    given = stored.pop(definition.GIVEN, None)
    return {"format": FORMAT, "version": VERSION, "study": {
        "name": study.name, "definition": stored, "given": given,
        "description": study.description, "metadata": study.metadata, "seed": study.seed,
        "created_at": study.created_at, "next_number": study.next_number,
        "grid_cursor": study.grid_cursor, "sampler_state": study.sampler_state,
    }}


def trial_doc(t: Trial, study: Study) -> dict[str, Any]:
    """A trial as the document has it; `intermediate_values` are about the first
    objective, `objective_intermediate_values` (only where there are some) about the
    others, by name."""
    doc = {
        "number": t.number, "state": t.state.value, "params": t.params, "value": t.value,
        "reason": t.reason, "worker_id": t.worker_id, "external": t.external, "info": t.info,
        "user_attrs": t.user_attrs, "grid_index": t.grid_index, "created_at": t.created_at,
        "finished_at": t.finished_at, "lease_expires_at": t.lease_expires_at,
        "intermediate_values": [[s, v] for s, v in sorted(t.intermediate.items())],
        # Studies of several objectives / with constraints: in the declared orders.
        "values": None if t.values is None else list(t.values),
        "constraint_values": None if t.constraint_values is None else list(t.constraint_values),
    }
    others = {k: c for k, c in t.curves.items() if k}
    if others:
        names = [o.name for o in study.objectives]
        doc["objective_intermediate_values"] = {
            names[k]: [[s, v] for s, v in sorted(c.items())] for k, c in others.items()}
    return doc


def all_trials(conn: Connection, study_id: int) -> Iterable[Trial]:
    """Every trial of the study by number, with curves, as stored (no lapsed leases
    turned expired: the import keeps the lease, which then lapses there as it would here)."""
    after = -1
    while True:
        page = reads.page(conn, study_id, None, limit=CHUNK, after=after, count=False)
        yield from page.trials
        if not page.more:
            return
        after = page.trials[-1].number


# -- import ----------------------------------------------------------------------------
class _Problems:
    """The document's problems, by path (at most MAX_ERRORS)."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.setdefault(path, []).append(message)

    def raise_any(self) -> None:
        if self.errors:
            first = next(iter(self.errors.items()))
            raise InvalidRequest(f"not a study document this release imports: {first[0]}: "
                                 f"{first[1][0]}", errors=self.errors)


def check(doc: Any, name: str | None = None) -> tuple[dict, list[dict]]:
    """The study's stored fields and its trials' rows, checked, from a document.

    Raises:
        InvalidRequest: naming each wrong field by its path (study.seed, trials[3].state).
    """
    p = _Problems()
    if not isinstance(doc, Mapping):
        p.add("document", "must be a JSON object")
        p.raise_any()
    if doc.get("format") != FORMAT:
        p.add("format", f"must be {FORMAT!r}")
    if doc.get("version") != VERSION:
        p.add("version", f"this release reads version {VERSION}, not {doc.get('version')!r}")
    p.raise_any()
    head = doc.get("study")
    if not isinstance(head, Mapping):
        p.add("study", "must be an object")
        p.raise_any()
    study = _check_study(head, name, p)
    p.raise_any()
    rows = _check_trials(doc.get("trials"), Space.from_dict(study["definition"]["space"]),
                         study["next_number"], p)
    p.raise_any()
    _check_outcomes(doc["trials"], rows, study["definition"], p)
    p.raise_any()
    return study, rows


def _check_study(head: Mapping, name: str | None, p: _Problems) -> dict:
    for field in sorted(set(head) - set(STUDY_FIELDS)):
        p.add(f"study.{field}", "unknown field")
    stored = head.get("definition")
    if not isinstance(stored, Mapping):
        p.add("study.definition", "must be a study definition (name, space, ...)")
        return {}
    if not _typed(stored, p):  # what the API's schema checks before a create
        return {}
    try:
        canon = definition.canonical(_spec(stored, name))
    except InvalidRequest as exc:
        for field, messages in (exc.errors or {"definition": [exc.detail]}).items():
            p.add(f"study.definition.{field}", _first(messages))
        return {}
    except (KeyError, TypeError, AttributeError):
        p.add("study.definition", "must be a study definition (name, space, ...)")
        return {}
    given = head.get("given")
    if given is not None and not isinstance(given, Mapping):
        p.add("study.given", "must be an object or null")
        given = None
    if not isinstance(canon["name"], str) or not 1 <= len(canon["name"]) <= 200:
        p.add("name" if name else "study.definition.name", "must be 1 to 200 characters")
    _integer(head, "seed", 0, 2**63 - 1, p, "study.")
    _integer(head, "next_number", 0, 2**31 - 1, p, "study.")
    _integer(head, "grid_cursor", 0, 2**63 - 1, p, "study.")
    _number(head, "created_at", p, "study.", required=True)
    description = head.get("description")
    if description is not None and (not isinstance(description, str)
                                    or len(description) > 10_000):
        p.add("study.description", "must be a string of at most 10000 characters, or null")
    _attrs(head.get("metadata"), "metadata", "study.metadata", p)
    if head.get("sampler_state") is not None and not isinstance(head["sampler_state"], Mapping):
        p.add("study.sampler_state", "must be an object or null")
    stored_definition = {**canon, **({definition.GIVEN: dict(given)} if given else {})}
    return {"name": canon["name"], "definition": stored_definition, "seed": head.get("seed"),
            "created_at": head.get("created_at"), "next_number": head.get("next_number"),
            "grid_cursor": head.get("grid_cursor"), "sampler_state": head.get("sampler_state"),
            "description": description, "user_metadata": head.get("metadata")}


_POSITIVE = ("max_trials", "max_failed_trials", "no_improvement_trials")
_NUMBERS = ("lease_seconds", "target_value", "max_duration_seconds")


def _typed(stored: Mapping, p: _Problems) -> bool:
    """Whether the definition's plain fields have their types (canonical() takes them
    as checked); names each that has not."""
    where = "study.definition."
    ok = True
    if stored.get("direction", "minimize") not in ("minimize", "maximize"):
        p.add(where + "direction", "must be minimize or maximize")
        ok = False
    for field in _POSITIVE:
        x = stored.get(field)
        if x is not None and not (isinstance(x, int) and not isinstance(x, bool)
                                  and 1 <= x <= 10**9):
            p.add(where + field, "must be an integer in [1, 1e9] or null")
            ok = False
    for field in _NUMBERS:
        x = stored.get(field)
        if x is not None and not (_finite(x) and (field == "target_value" or x > 0)):
            p.add(where + field, "must be a finite number (above 0) or null")
            ok = False
    seed = stored.get("seed")
    if seed is not None and not (isinstance(seed, int) and not isinstance(seed, bool)
                                 and 0 <= seed < 2**63):
        p.add(where + "seed", "must be an integer in [0, 2^63 - 1] or null")
        ok = False
    if not isinstance(stored.get("space"), Mapping):
        p.add(where + "space", "must be an object")
        ok = False
    return ok


def _first(messages: Any) -> str:
    """The first message of a list, or of a dict of them (a space's, by parameter)."""
    while isinstance(messages, dict | list) and messages:
        if isinstance(messages, dict):
            key, messages = next(iter(messages.items()))
            if isinstance(messages, list) and messages and isinstance(messages[0], str):
                return f"{key}: {messages[0]}"
        else:
            messages = messages[0]
    return str(messages)


def _spec(stored: Any, name: str | None) -> dict:
    if not isinstance(stored, Mapping):
        raise TypeError("not an object")
    spec = dict(stored)
    objectives = spec.get("objectives")
    if (isinstance(objectives, list) and objectives and isinstance(objectives[0], Mapping)
            and spec.get("direction") == objectives[0].get("direction")):
        del spec["direction"]  # the canonical form keeps the first objective's direction
    if name is not None:
        spec["name"] = name
    return spec


def _check_trials(items: Any, space: Space, next_number: int, p: _Problems) -> list[dict]:
    if not isinstance(items, list):
        p.add("trials", "must be a list")
        return []
    rows, numbers = [], set()
    states = {s.value for s in TrialState}
    for i, t in enumerate(items):
        where = f"trials[{i}]"
        if not isinstance(t, Mapping):
            p.add(where, "must be an object")
            continue
        for field in sorted(set(t) - set(TRIAL_FIELDS)):
            p.add(f"{where}.{field}", "unknown field")
        number = t.get("number")
        if _integer(t, "number", 0, next_number - 1, p, f"{where}.",
                    why=f"an integer in [0, study.next_number - 1 = {next_number - 1}]"):
            if number in numbers:
                p.add(f"{where}.number", f"trial number {number} is given twice")
            numbers.add(number)
        state = t.get("state")
        if not isinstance(state, str) or state not in states:
            p.add(f"{where}.state", f"must be one of {sorted(states)}")
        params = _params(t.get("params"), space, state, f"{where}.params", p)
        value = t.get("value")
        if value is not None and not _finite(value):
            p.add(f"{where}.value", "must be a finite number or null")
        for field in ("reason", "worker_id"):
            if t.get(field) is not None and not isinstance(t[field], str):
                p.add(f"{where}.{field}", "must be a string or null")
        if not isinstance(t.get("external", False), bool):
            p.add(f"{where}.external", "must be true or false")
        if t.get("info") is not None and not isinstance(t["info"], Mapping):
            p.add(f"{where}.info", "must be an object or null")
        _attrs(t.get("user_attrs"), "user_attrs", f"{where}.user_attrs", p)
        if t.get("grid_index") is not None:
            _integer(t, "grid_index", 0, 2**63 - 1, p, f"{where}.")
        _number(t, "created_at", p, f"{where}.", required=True)
        _number(t, "finished_at", p, f"{where}.")
        _number(t, "lease_expires_at", p, f"{where}.", required=state == "running")
        curve = _curve(t.get("intermediate_values", []), f"{where}.intermediate_values", p)
        rows.append({
            "number": number, "state": state, "params": params, "value": value,
            "reason": t.get("reason"), "worker_id": t.get("worker_id"),
            "external": t.get("external", False), "info": t.get("info"),
            "user_attrs": t.get("user_attrs"), "grid_index": t.get("grid_index"),
            "created_at": t.get("created_at"), "finished_at": t.get("finished_at"),
            "lease_expires_at": t.get("lease_expires_at"), "curve": curve,
        })
    return rows


def _check_outcomes(items: list, rows: list[dict], definition: Mapping, p: _Problems) -> None:
    """Each trial's objective and constraint values: null, or one finite number per
    declared objective (studies of several) or constraint; the row gets their JSON and
    whether every constraint holds."""
    objectives = definition.get("objectives") or ()
    constraints = [Constraint(c["name"], ConstraintOp(c["op"]), float(c["bound"]))
                   for c in definition.get("constraints") or ()]
    sizes = {"values": len(objectives) if len(objectives) > 1 else 0,
             "constraint_values": len(constraints)}
    for i, (t, row) in enumerate(zip(items, rows, strict=True)):
        got = {}
        for field, n in sizes.items():
            x = t.get(field)
            if x is not None and not (n and isinstance(x, list) and len(x) == n
                                      and all(_finite(v) for v in x)):
                p.add(f"trials[{i}].{field}", f"must be null or a list of {n} finite numbers"
                      if n else "must be null: the study declares none")
                x = None
            got[field] = None if x is None else [float(v) for v in x]
        row["objective_values"] = None if got["values"] is None else sql.dumps(got["values"])
        cv = got["constraint_values"]
        row["constraint_values"] = None if cv is None else sql.dumps(cv)
        row["feasible"] = None if cv is None else all(
            c.holds(v) for c, v in zip(constraints, cv, strict=True))
        row["curves"] = _objective_curves(t.get("objective_intermediate_values"), objectives,
                                          f"trials[{i}].objective_intermediate_values", p)


def _objective_curves(raw: Any, objectives, where: str, p: _Problems
                      ) -> dict[int, list[tuple[int, float]]]:
    """Curves about objectives after the first, by the objective's index, from
    {name: [[step, value], ...]}; null or absent: none."""
    if raw is None:
        return {}
    names = [o["name"] for o in objectives]
    if not isinstance(raw, Mapping):
        p.add(where, "must be an object of curves by objective name, or null")
        return {}
    out = {}
    for name, items in raw.items():
        if name not in names[1:]:
            p.add(f"{where}.{name}", f"not an objective after the first of this study "
                                     f"(those are {names[1:]})")
            continue
        out[names.index(name)] = _curve(items, f"{where}.{name}", p)
    return out


def _params(params: Any, space: Space, state: Any, where: str, p: _Problems) -> Any:
    try:
        if state in ("queued", "cancelled"):  # may leave parameters to be drawn
            return check_params(space, [params], where, indexed=False)[0]
        return space.validate_params(params)
    except InvalidRequest as exc:
        for field, messages in (exc.errors or {where: [exc.detail]}).items():
            if isinstance(messages, dict):  # validate_params: {"params": {name: [...]}}
                for name, message in messages.items():
                    p.add(f"{where}.{name}", message[0])
            else:  # check_params: paths under `where` already
                p.add(field if field.startswith(where) else where, messages[0])
        return params


def _curve(items: Any, where: str, p: _Problems) -> list[tuple[int, float]]:
    if not isinstance(items, list):
        p.add(where, "must be a list of [step, value]")
        return []
    out, steps = [], set()
    for j, pair in enumerate(items):
        ok = (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], int)
              and not isinstance(pair[0], bool) and 0 <= pair[0] < 2**31
              and _finite(pair[1]) and pair[0] not in steps)
        if not ok:
            p.add(f"{where}[{j}]", "must be [step, value]: a new step >= 0 and a finite number")
            continue
        steps.add(pair[0])
        out.append((pair[0], float(pair[1])))
    return out


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _integer(obj: Mapping, field: str, low: int, high: int, p: _Problems, prefix: str,
             why: str | None = None) -> bool:
    x = obj.get(field)
    if isinstance(x, int) and not isinstance(x, bool) and low <= x <= high:
        return True
    p.add(f"{prefix}{field}", f"must be {why or f'an integer in [{low}, {high}]'}")
    return False


def _number(obj: Mapping, field: str, p: _Problems, prefix: str, required=False) -> None:
    x = obj.get(field)
    if (x is None and not required) or _finite(x):
        return
    p.add(f"{prefix}{field}", "must be a finite number (epoch seconds)"
          + ("" if required else " or null"))


def _attrs(value: Any, kind: str, path: str, p: _Problems) -> None:
    try:
        check_attrs(value, kind)
    except InvalidRequest as exc:
        p.add(path, next(iter(exc.errors.values()))[0])


def write(conn: Connection, owner: str, study: dict, rows: list[dict]) -> int:
    """Insert the checked study and its trials for `owner`; the new study's id.

    Raises:
        Conflict: naming `name`, when the owner has a study of that name.
    """
    if sql.find_study(conn, owner, study["name"]) is not None:
        raise Conflict(f"a study named {study['name']!r} exists: import it under another "
                       "name (?name=)", errors={"name": ["exists"]})
    fields = {k: v for k, v in study.items() if k not in ("name", "definition", "seed",
                                                            "created_at")}
    study_id = sql.insert_study(conn, owner, study["name"], study["definition"],
                                study["seed"], study["created_at"], **fields)
    for i in range(0, len(rows), CHUNK):
        chunk = [{**{k: v for k, v in r.items() if k not in ("curve", "curves")},
                  "study_id": study_id,
                  "params": sql.dumps(r["params"]),
                  "info": None if r["info"] is None else sql.dumps(r["info"]),
                  "user_attrs": None if r["user_attrs"] is None else sql.dumps(r["user_attrs"])}
                 for r in rows[i:i + CHUNK]]
        conn.execute(insert(trials), chunk)
    ids = dict(conn.execute(select(trials.c.number, trials.c.id)
                            .where(trials.c.study_id == study_id)).all())
    points = [{"trial_id": ids[r["number"]], "objective": k, "step": s, "value": v}
              for r in rows for k, curve in [(0, r["curve"]), *r["curves"].items()]
              for s, v in curve]
    for i in range(0, len(points), 10 * CHUNK):
        conn.execute(insert(intermediate_values), points[i:i + 10 * CHUNK])
    return study_id
