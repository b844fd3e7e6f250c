"""Looking at a study: bounded subsets for charts, filtered pages, exports.

Runs inside the service's read transactions. Everything a chart gets is bounded by a
limit the caller gives, whatever the size of the study.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection

from ..analysis import ImportanceReport, downsample, importance_report
from ..domain import Study, Trial
from ..errors import InvalidRequest
from ..space import CategoricalParam, Space, choice_key
from ..store import reads
from ..store.reads import ParamFilter

SORTS = tuple(reads.SORTS)  # number or value, ascending or (with "-") descending


@dataclass(frozen=True)
class Sampled:
    """A bounded subset of a study's trials, and how many there were to choose from."""

    total: int
    trials: list[Trial]


def history(conn: Connection, study: Study, now: float, limit: int) -> Sampled:
    """Finished trials for the history, parallel-coordinate and slice charts: every
    best-so-far change, the top trials and an even sample of the rest."""
    rows = reads.finished(conn, study.id, now)
    values = np.array([v if s == "completed" else np.nan for _, _, s, v in rows], dtype=float)
    keep = downsample.sample(values, study.direction, limit)
    return Sampled(len(rows), reads.trials_by_id(conn, (rows[i][0] for i in keep), now, False))


def curves(conn: Connection, study: Study, now: float, limit: int) -> Sampled:
    """Trials with intermediate values and their curves: the best completed ones, the
    latest running ones, and an even sample of the rest (pruned among them)."""
    rows = reads.with_curves(conn, study.id, now)
    values = np.array([v if s == "completed" else np.nan for _, _, s, v in rows], dtype=float)
    running = np.flatnonzero([s == "running" for _, _, s, _ in rows])[-(limit // 4 or 1):]
    others = np.setdiff1d(np.arange(len(rows)), running)
    chosen = others[downsample.sample(values[others], study.direction, limit - len(running),
                                      top=limit // 4)]
    keep = np.union1d(chosen, running)
    return Sampled(len(rows), reads.trials_by_id(conn, (rows[i][0] for i in keep), now, True))


def importance(conn: Connection, study: Study) -> ImportanceReport:
    """Each parameter's share of what sets the best completed trials apart (PED-ANOVA),
    in the study's direction."""
    space = Space.from_dict(study.definition["space"])
    return importance_report(space, reads.completed(conn, study.id), study.direction)


def param_filters(space: Space, raw: Mapping[str, Any] | None) -> list[ParamFilter]:
    """Filters on the trials' params from {"name": {"min": a, "max": b}} for numbers and
    {"name": {"in": [...]}} for categoricals, checked against the space.

    Raises:
        InvalidRequest: naming the parameter (as `params.<name>`) and what is wrong.
    """
    out, by_name = [], {p.name: p for p in space.params}
    for name, spec in (raw or {}).items():
        param = by_name.get(name)
        if param is None:
            raise _bad(name, "not a parameter of this study")
        if not isinstance(spec, Mapping):
            raise _bad(name, "must be an object")
        if isinstance(param, CategoricalParam):
            out.append(_choices_filter(param, spec))
        else:
            out.append(_range_filter(name, spec))
    return out


def _choices_filter(param: CategoricalParam, spec: Mapping[str, Any]) -> ParamFilter:
    if set(spec) != {"in"} or not isinstance(spec["in"], list):
        raise _bad(param.name, "a categorical takes {\"in\": [choices]}")
    by_key = {choice_key(c): c for c in param.choices}
    unknown = [c for c in spec["in"] if choice_key(c) not in by_key]
    if unknown:
        raise _bad(param.name, f"not among the choices: {unknown[:5]}")
    return ParamFilter(param.name, choices=[by_key[choice_key(c)] for c in spec["in"]])


def _range_filter(name: str, spec: Mapping[str, Any]) -> ParamFilter:
    if not spec or set(spec) - {"min", "max"}:
        raise _bad(name, "a number takes {\"min\": a, \"max\": b} (either may be left out)")
    bounds = [spec.get("min"), spec.get("max")]
    for b in bounds:
        if b is not None and (isinstance(b, bool) or not isinstance(b, int | float)
                              or not np.isfinite(b)):
            raise _bad(name, "min and max must be finite numbers")
    return ParamFilter(name, low=bounds[0], high=bounds[1])


def _bad(name: str, message: str) -> InvalidRequest:
    field = f"params.{name}"
    return InvalidRequest(f"{field}: {message}", errors={field: [message]})
