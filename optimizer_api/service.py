"""The use cases. The only module that opens transactions: one per use case.

Each public method reads what it needs from the store and writes back in one
transaction, so any worker of any replica can serve any request. The work inside a
transaction lives in handout.py (suggest), reports.py (observe), status.py and
idempotency.py.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from . import definition, handout, idempotency, reports
from .domain import Study, StudyView, Trial, TrialState
from .errors import Conflict, NotFound
from .idempotency import Idempotency, Replay
from .status import Counts, exhausted_reason, status
from .store import Store, keys, sql

RUNNING = TrialState.RUNNING

__all__ = ["Idempotency", "Observed", "Replay", "Service", "Suggested"]


@dataclass(frozen=True)
class Suggested:
    trials: list[Trial]
    status: str
    status_reason: str | None


@dataclass(frozen=True)
class Observed:
    trial: Trial
    should_stop: bool
    status: str
    status_reason: str | None


class Service:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time):
        self.store = store
        self.clock = clock

    # -- studies ---------------------------------------------------------------------
    def create_study(self, spec: Mapping[str, Any], idem: Idempotency | None = None):
        """Create a study, or return the one of that name if its definition is the same.

        Returns:
            (view, created): created is False when the study already existed.

        Raises:
            Conflict: a study of that name exists with another definition.
        """
        canon = definition.canonical(spec)
        for _ in range(2):  # a concurrent create of the same name may win the insert
            try:
                return self.store.run_write(self._create, canon, dict(spec), idem)
            except IntegrityError:
                continue
        raise Conflict(f"study {canon['name']!r} is being created concurrently; retry")

    def _create(self, conn: Connection, canon: dict, given: dict, idem: Idempotency | None):
        now = self.clock()
        study = sql.find_study(conn, canon["name"])
        created = study is None
        if study is None:
            seed = canon["seed"] if canon["seed"] is not None else secrets.randbits(63)
            stored = {**canon, definition.GIVEN: given}
            study = sql.get_study(conn, sql.insert_study(conn, canon["name"], stored, seed, now))
        elif not definition.same(study.definition, canon):
            raise Conflict(
                f"a study named {canon['name']!r} exists with another definition",
                errors={"name": ["exists with another definition"]},
            )
        return self._answer(conn, idem, (self._view(conn, study, now), created))

    def get_study(self, study_id: int) -> StudyView:
        with self.store.read() as conn:
            return self._view(conn, self._study(conn, study_id), self.clock())

    def list_studies(self, name: str | None = None) -> list[StudyView]:
        now = self.clock()
        with self.store.read() as conn:
            found = [sql.find_study(conn, name)] if name is not None else sql.list_studies(conn)
            return [self._view(conn, s, now) for s in found if s is not None]

    def delete_study(self, study_id: int) -> None:
        def _delete(conn):
            if not (_is_id(study_id) and sql.delete_study(conn, study_id)):
                raise NotFound(f"no study with id {study_id}")

        self.store.run_write(_delete)

    # -- suggest ---------------------------------------------------------------------
    def suggest(
        self, study_id: int, count: int = 1, worker_id: str | None = None,
        idem: Idempotency | None = None,
    ) -> Suggested:
        """Up to `count` trials to run; a worker_id's running trials come back first."""
        pre = self._precompute(study_id, count, worker_id)
        return self.store.run_write(self._suggest, study_id, count, worker_id, idem, pre)

    def _precompute(self, study_id: int, count: int, worker_id) -> handout.Precomputed | None:
        """An expensive proposal made outside the write lock, if new trials may be needed."""
        now = self.clock()
        with self.store.read() as conn:
            study = self._study(conn, study_id)
            if worker_id is not None:
                count -= len(sql.running_of_worker(conn, study_id, worker_id, now))
            if count <= 0 or exhausted_reason(conn, study, Counts(conn, study_id, now), now):
                return None
            return handout.precompute(conn, study, count, now)

    def _suggest(self, conn, study_id, count, worker_id, idem, pre) -> Suggested:
        # Everything here runs under the study's write lock: no read backs, and the trials
        # are counted once, only if a criterion needs them.
        now = self.clock()
        study = self._study(conn, study_id, lock=True)
        sql.expire_lapsed(conn, study_id, now)
        trials: list[Trial] = []
        lease = now + study.lease_seconds
        if worker_id is not None:  # a retrying worker gets its running trials back
            for t in sql.running_of_worker(conn, study_id, worker_id, now)[:count]:
                sql.update_trial(conn, t.id, lease_expires_at=lease)
                trials.append(replace(t, lease_expires_at=lease))
        counts = Counts(conn, study_id, now)
        if count > len(trials) and exhausted_reason(conn, study, counts, now) is None:
            new = handout.new_trials(
                conn, study, counts, count - len(trials), worker_id, now, pre
            )
            counts.add_running(len(new))
            trials += new
            if study.algorithm["name"] == "grid":  # the cursor moved: status depends on it
                study = sql.get_study(conn, study_id)
        state, reason = status(conn, study, counts, now)
        return self._answer(conn, idem, Suggested(trials, state, reason))

    # -- observe ---------------------------------------------------------------------
    def observe(
        self, study_id: int, obs: Mapping[str, Any], idem: Idempotency | None = None
    ) -> Observed:
        """Record a report (obs["kind"]: final, intermediate, failed, pruned, external)."""
        return self.store.run_write(self._observe, study_id, obs, idem)

    def _observe(self, conn, study_id, obs, idem) -> Observed:
        now = self.clock()
        kind = obs["kind"]
        study = self._study(conn, study_id, lock=kind == "external")
        should_stop = False
        if kind == "external":
            trial = sql.get_trial(conn, study_id, reports.external(conn, study, obs, now), now)
        else:
            trial = self._trial(conn, study_id, obs["trial_id"], now, lock=True)
            if kind == "intermediate":
                trial, should_stop = reports.intermediate(conn, study, trial, obs, now)
            else:
                trial = reports.finish(conn, trial, kind, obs, now)
        state, reason = status(conn, study, Counts(conn, study_id, now), now)
        return self._answer(conn, idem, Observed(trial, should_stop, state, reason))

    def heartbeat(self, study_id: int, trial_id: int, idem: Idempotency | None = None) -> Trial:
        """Renew a running trial's lease; Conflict once it has ended or expired."""

        def _beat(conn):
            now = self.clock()
            study = self._study(conn, study_id)
            trial = self._trial(conn, study_id, trial_id, now, lock=True)
            if trial.state is not RUNNING:
                raise Conflict(f"trial {trial_id} is {trial.state.value}: no lease to renew")
            sql.update_trial(conn, trial_id, lease_expires_at=now + study.lease_seconds)
            return self._answer(conn, idem, sql.get_trial(conn, study_id, trial_id, now))

        return self.store.run_write(_beat)

    # -- reads -----------------------------------------------------------------------
    def trials(
        self, study_id: int, states: Sequence[str] | None = None, limit: int = 1000,
        offset: int = 0,
    ) -> tuple[list[Trial], int]:
        now = self.clock()
        with self.store.read() as conn:
            self._study(conn, study_id)
            found = sql.list_trials(conn, study_id, now, states=states, limit=limit, offset=offset)
            return found, sql.count_trials(conn, study_id, now, states)

    def trial(self, study_id: int, trial_id: int) -> Trial:
        with self.store.read() as conn:
            self._study(conn, study_id)
            return self._trial(conn, study_id, trial_id, self.clock())

    def best(self, study_id: int) -> Trial | None:
        with self.store.read() as conn:
            return sql.best_trial(conn, study_id, self._study(conn, study_id).direction)

    def ready(self) -> None:
        self.store.ping()

    # -- idempotency keys ------------------------------------------------------------
    def claim_key(self, scope: str, key: str, fingerprint: str) -> Replay | None:
        """Claim an Idempotency-Key (see idempotency.claim) in a transaction of its own."""
        return self.store.run_write(
            lambda conn: idempotency.claim(conn, scope, key, fingerprint, self.clock()),
            durable=False,
        )

    def release_key(self, scope: str, key: str) -> None:
        """Forget an in-flight key whose request failed, so that a retry runs again."""
        self.store.run_write(keys.release_key, scope, key, durable=False)

    # -- helpers ---------------------------------------------------------------------
    def _answer(self, conn, idem: Idempotency | None, result):
        if idem:
            idem.finish(conn, result, self.clock())
        return result

    def _study(self, conn, study_id: int, lock: bool = False) -> Study:
        study = sql.get_study(conn, study_id, lock=lock) if _is_id(study_id) else None
        if study is None:
            raise NotFound(f"no study with id {study_id}")
        return study

    def _trial(self, conn, study_id: int, trial_id: int, now: float, lock=False) -> Trial:
        trial = None
        if _is_id(trial_id):
            trial = sql.get_trial(conn, study_id, trial_id, now, lock=lock)
        if trial is None:
            raise NotFound(
                f"no trial with id {trial_id} in study {study_id}",
                errors={"trial_id": ["not a trial of this study"]},
            )
        return trial

    def _view(self, conn, study: Study, now: float) -> StudyView:
        counts = Counts(conn, study.id, now)
        best = sql.best_trial(conn, study.id, study.direction)
        state, reason = status(conn, study, counts, now, best)
        return StudyView(study, counts(), state, reason, best)


def _is_id(value: int) -> bool:
    """Ids are positive 64-bit integers: any other number names nothing (and would not
    fit the store's integer columns)."""
    return 0 < value < 2**63
