"""A study's Pareto front: its completed trials whose constraints hold and that no other
such trial dominates, and the hypervolume they dominate up to a reference point.

Runs inside the service's read transaction. The arithmetic is analysis/pareto.py's, in
minimization form: the columns of maximized objectives are negated on the way in and the
reference point on the way back out, so that callers speak in the objectives' own units.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection

from ..analysis import pareto
from ..domain import Direction, Objective, Study, Trial
from ..errors import InvalidRequest
from ..store import reads


@dataclass(frozen=True)
class Front:
    """The non-dominated feasible trials (by number), how many feasible completed trials
    they were chosen from, the hypervolume (None without any), and the reference point in
    the objectives' units (None without any trial), given or the default."""

    study: Study
    trials: list[Trial]
    candidates: int
    hypervolume: float | None
    reference_point: list[float] | None
    reference_given: bool

    @property
    def objectives(self) -> tuple[Objective, ...]:
        return self.study.objectives


def pareto_front(
    conn: Connection, study: Study, ref: Sequence[float] | None, now: float
) -> Front:
    """The study's front. `ref` (one number per objective, in declared order) bounds the
    hypervolume; without it, pareto.reference_point of the candidates: per objective the
    worst value plus a tenth of the observed range.

    Raises:
        InvalidRequest: `ref` has not one number per objective.
    """
    objectives = study.objectives
    if ref is not None and len(ref) != len(objectives):
        message = (f"one number per objective ({len(objectives)}: "
                   f"{[o.name for o in objectives]}), not {len(ref)}")
        raise InvalidRequest(f"ref: {message}", errors={"ref": [message]})
    rows = reads.front_candidates(conn, study.id, feasible_only=bool(study.constraints))
    sign = np.array([1.0 if o.direction is Direction.MINIMIZE else -1.0 for o in objectives])
    if not rows:
        given = None if ref is None else [float(r) for r in ref]
        return Front(study, [], 0, None, given, ref is not None)
    Y = sign * _values(rows)  # (n, k)
    point = sign * np.asarray(ref, dtype=float) if ref is not None else pareto.reference_point(Y)
    mask = pareto.non_dominated(Y)
    chosen = [rows[i][0] for i in np.flatnonzero(mask)]
    return Front(
        study, reads.trials_by_id(conn, chosen, now, curves=False), len(rows),
        pareto.hypervolume(Y[mask], point), (sign * point).tolist(), ref is not None,
    )


def _values(rows: Sequence[tuple[int, float, str | None]]) -> np.ndarray:
    """The trials' objective values (n, k): each stored array, or [value] for one
    objective. Parsed as one JSON document: a json.loads per row was most of the time."""
    texts = (json.dumps([value]) if text is None else text for _, value, text in rows)
    return np.array(json.loads(f"[{','.join(texts)}]"), dtype=float)
