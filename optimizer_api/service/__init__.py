"""The use cases: the only package that opens transactions, one per use case.

Each public method of `Service` reads what it needs from the store and writes back in
one transaction, so any worker of any replica can serve any request. The work inside a
transaction lives beside it: suggest.py, observe.py, status.py, studies.py, queue.py,
edit.py, transfer.py, and idempotency.py for Idempotency-Keys; the read-only use cases
are the Queries mixin (queries.py). Methods take typed inputs and return data.

Every use case on studies acts for an `Owner`, decided at the API's edge: it creates
studies for that owner, and a study the owner may not see is not found (NotFound).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from .. import metrics, samplers
from ..domain import Owner, Study, StudyView, Trial, TrialState
from ..errors import AlreadyExists, Conflict, NotFound
from ..space import Space
from ..store import Store, sql
from . import (
    definition,
    edit,
    idempotency,
    judge,
    observe,
    queue,
    studies,
    suggest,
    transfer,
)
from .feed import Changes
from .idempotency import Key, Replay
from .observe import External, Failed, Final, Intermediate, Observation, Pruned
from .queries import Queries
from .queue import Enqueued
from .quotas import Quotas
from .status import Counts, exhausted_reason, status
from .studies import Created
from .tokens import Tokens

RUNNING = TrialState.RUNNING
# How a use case's result goes over the wire: (HTTP status, JSON-able body). Given by the
# app at wiring time, so that an Idempotency-Key's answer is stored with the change.
Answer = Callable[[Any], tuple[int, Any]]

__all__ = [
    "Changes", "Created", "Enqueued", "External", "Failed", "Final", "Intermediate", "Key",
    "Observation", "Observed", "Owner", "Pruned", "Quotas", "Replay", "Service", "Suggested",
    "Tokens", "TrialAnswer",
]


@dataclass(frozen=True)
class TrialAnswer:
    """A heartbeat's or a cancellation's answer: the trial, and its study (what its
    curves are about)."""

    trial: Trial
    study: Study


@dataclass(frozen=True)
class Suggested:
    trials: list[Trial]
    status: str
    status_reason: str | None
    study: Study | None = None  # what the trials' values and constraints are


@dataclass(frozen=True)
class Observed:
    trial: Trial
    should_stop: bool
    status: str
    status_reason: str | None
    study: Study | None = None  # what the trial's values and constraints are


class Service(Queries):
    def __init__(
        self, store: Store, clock: Callable[[], float] = time.time, answer: Answer | None = None,
        quotas: Quotas = Quotas(),  # noqa: B008 - frozen
    ):
        self.store = store
        self.clock = clock
        self.answer = answer
        self.quotas = quotas
        self.tokens = Tokens(store, clock)
        self._hints: dict[int, _Hint] = {}

    # -- studies ---------------------------------------------------------------------
    def create_study(
        self, owner: Owner, spec: Mapping[str, Any], key: Key | None = None
    ) -> Created | Replay:
        """Create a study of `owner`, or return the owner's study of that name if its
        definition is the same.

        Raises:
            Conflict: the owner has a study of that name with another definition.
            QuotaExceeded: the owner has as many studies as allowed.
        """
        spec = dict(spec)
        notes = {k: spec.pop(k) for k in edit.NOTES if spec.get(k) is not None}
        edit.check({"metadata": notes.get("metadata")})
        canon = definition.canonical(spec)
        new = studies.New(owner.name, canon, dict(spec), self.quotas, notes, owner)
        for _ in range(2):  # a concurrent create of the same name may win the insert
            try:
                return self._write(key, studies.create, new, self.clock())
            except AlreadyExists:
                continue
        raise Conflict(f"study {canon['name']!r} is being created concurrently; retry")

    def get_study(self, owner: Owner, study_id: int) -> StudyView:
        with self.store.read() as conn:
            return studies.view(conn, self._study(conn, owner, study_id), self.clock())

    def update_study(self, owner: Owner, study_id: int, changes: Mapping[str, Any]
                     ) -> StudyView:
        """Rename the study, change its completion criteria, description or metadata.

        Raises:
            InvalidRequest: naming a field that may not change (the space, ...).
            Conflict: the owner has another study of the new name.
        """
        edit.check(changes)

        def _update(conn):
            study = edit.update(conn, self._study(conn, owner, study_id, lock=True), changes)
            return studies.view(conn, study, self.clock())

        return self.store.run_write(_update)

    def export_study(self, owner: Owner, study_id: int) -> dict[str, Any]:
        """The whole study as one document (transfer.py), read from one snapshot."""
        with self.store.snapshot() as conn:
            study = self._study(conn, owner, study_id)
            doc = transfer.study_doc(study)
            doc["trials"] = [transfer.trial_doc(t, study)
                             for t in transfer.all_trials(conn, study_id)]
        return doc

    def import_study(self, owner: Owner, doc: Any, name: str | None = None,
                     key: Key | None = None) -> Created | Replay:
        """Create a study of `owner` from an exported document, in one transaction.

        Raises:
            InvalidRequest: naming what in the document is wrong; nothing is stored.
            Conflict: naming `name`, when the owner has a study of that name.
            QuotaExceeded: the owner has as many studies as allowed.
        """
        study, rows = transfer.check(doc, name)

        def _import(conn):
            self.quotas.check_studies(owner.name, sql.count_studies(conn, owner.name))
            study_id = transfer.write(conn, owner.name, study, rows)
            return Created(studies.view(conn, sql.get_study(conn, study_id), self.clock()),
                           True)

        return self._write(key, _import)

    def list_studies(
        self, owner: Owner, name: str | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[list[StudyView], int]:
        """A page of the studies `owner` sees (of that name if given) by id, and how many
        there are in all."""
        now = self.clock()
        mine = None if owner.every_owner else owner.name
        with self.store.read() as conn:
            found, total = sql.list_studies(conn, mine, name, limit, offset)
            return [studies.view(conn, s, now) for s in found], total

    def delete_study(self, owner: Owner, study_id: int) -> None:
        def _delete(conn):
            self._study(conn, owner, study_id, lock=True)
            sql.delete_study(conn, study_id)

        self.store.run_write(_delete)

    # -- suggest ---------------------------------------------------------------------
    def suggest(
        self, owner: Owner, study_id: int, count: int = 1, worker_id: str | None = None,
        key: Key | None = None,
    ) -> Suggested | Replay:
        """Up to `count` trials to run; a worker_id's running trials come back first.

        Raises:
            InvalidRequest: `count` is over its quota, or more than the study's sampler
                makes in one call.
            QuotaExceeded: new trials are needed and the study runs as many as allowed.
        """
        self.quotas.check_count(count)
        started = time.perf_counter()
        hint = self._hints.get(study_id)
        if hint is not None and not hint.reads_history:  # nothing to propose ahead
            algorithm, space, pre = hint.algorithm, None, None
        else:
            study, space, pre = self._precompute(owner, study_id, count, worker_id)
            algorithm = study.algorithm["name"]
        result = self._write(key, self._suggest, owner, study_id, count, worker_id, space, pre)
        metrics.SUGGEST.labels(algorithm).observe(time.perf_counter() - started)
        return result

    def _precompute(
        self, owner: Owner, study_id: int, count: int, worker_id
    ) -> tuple[Study, Space, suggest.Precomputed | None]:
        """The study, its space, and an expensive proposal made outside the write lock if
        new trials may be needed.

        Raises:
            InvalidRequest: `count` is more than the study's sampler makes in one call.
        """
        now = self.clock()
        with self.store.read() as conn:
            study = self._study(conn, owner, study_id)
            space = Space.from_dict(study.definition["space"])
            suggest.check_count(study, space, count)
            if worker_id is not None:
                count -= len(sql.running_of_worker(conn, study_id, worker_id, now))
            counts = Counts(conn, study_id, now)
            if count <= 0 or exhausted_reason(conn, study, space, counts, now):
                return study, space, None
            count -= counts()["queued"]  # handed out first
            if count <= 0:
                return study, space, None
            return study, space, suggest.precompute(conn, study, space, count, now)

    def _suggest(self, conn, owner, study_id, count, worker_id, space, pre) -> Suggested:
        # Every suggest of the study waits for its lock, so the statements run while it is
        # held are few (each round trip is paid by all of them): no read backs, the counts
        # and the lapsed leases in one query, and nothing to expire or give back read first.
        now = self.clock()
        # A worker's own running trials: read before the lock (none, nearly always); a
        # concurrent request of the same worker that adds one then counts as later.
        own = sql.running_of_worker(conn, study_id, worker_id, now) if worker_id else []
        study = self._study(conn, owner, study_id, lock=True)
        if space is None:  # no read ahead (see _Hint): checked here, before any write
            space = Space.from_dict(study.definition["space"])
            suggest.check_count(study, space, count)
        stored, lapsed = sql.counts_and_lapsed(conn, study_id, now)
        if lapsed:  # expired now, so that the trials' counts show them as expired
            metrics.LEASES_EXPIRED.inc(sql.expire_lapsed(conn, study_id, now))
            stored = sql.state_counts(conn, study_id, now)
        if own:  # a retrying worker gets its running trials back: read again, locked
            own = sql.running_of_worker(conn, study_id, worker_id, now)
        trials: list[Trial] = []
        lease = now + study.lease_seconds
        for t in own[:count]:
            sql.update_trial(conn, t.id, lease_expires_at=lease)
            trials.append(replace(t, lease_expires_at=lease))
        counts = Counts(conn, study_id, now, known=stored)
        if count > len(trials) and exhausted_reason(conn, study, space, counts, now) is None:
            # A worker's own trials come back whatever the quota; new ones fit in it.
            room = self.quotas.room_for_running(study_id, counts()["running"], not trials)
            need = min(count - len(trials), room)
            taken = queue.take(conn, study, space, counts, need, worker_id, now)
            counts.add_running(len(taken), from_queue=True)
            if taken:  # the proposal made ahead did not know them as running
                pre = None
            new, study = suggest.new_trials(
                conn, study, space, counts, need - len(taken), worker_id, now, pre
            )
            counts.add_running(len(new))
            trials += taken + new
        state, reason = status(conn, study, space, counts, now)
        return Suggested(trials, state, reason, study)

    # -- queued trials ---------------------------------------------------------------
    def enqueue(
        self, owner: Owner, study_id: int, params: Sequence[Any],
        user_attrs: dict | None = None, key: Key | None = None,
    ) -> Enqueued | Replay:
        """Queue configurations for suggest to hand out first, in this order.

        Raises:
            InvalidRequest: naming the configuration and parameter outside the space.
        """

        def _enqueue(conn):
            study = self._study(conn, owner, study_id, lock=True)
            checked = queue.check_params(Space.from_dict(study.definition["space"]), params)
            return Enqueued(queue.enqueue(conn, study, checked, user_attrs, self.clock())[0])

        return self._write(key, _enqueue)

    def cancel(self, owner: Owner, study_id: int, trial_id: int, key: Key | None = None
               ) -> TrialAnswer | Replay:
        """Withdraw a queued trial; Conflict if it is not queued."""

        def _cancel(conn):
            now = self.clock()
            study = self._study(conn, owner, study_id, lock=True)
            trial = queue.cancel(conn, self._trial(conn, study_id, trial_id, now), now)
            return TrialAnswer(trial, study)

        return self._write(key, _cancel)

    # -- observe ---------------------------------------------------------------------
    def observe(
        self, owner: Owner, study_id: int, obs: Observation, key: Key | None = None
    ) -> Observed | Replay:
        """Record a report: a final or intermediate value, a failure, a pruning, or a
        result for params the user chose."""
        verdict = None
        hint = self._hints.get(study_id)
        if isinstance(obs, Intermediate) and (hint is None or hint.has_rule):
            verdict = self._judge_ahead(owner, study_id, obs)
        return self._write(key, self._observe, owner, study_id, obs, verdict)

    def _judge_ahead(self, owner: Owner, study_id: int, obs: Intermediate) -> judge.Verdict | None:
        """The early-stopping rule's reading of the other trials, done before the write
        lock (judge.py); None when there is none to do, or nothing to judge."""
        now = self.clock()
        with self.store.read() as conn:
            study = self._study(conn, owner, study_id)
            trial = self._trial(conn, study_id, obs.trial_id, now)
            return judge.ahead(conn, study, trial, obs.step, obs.value, now,
                               obs.objective)

    def _observe(
        self, conn, owner: Owner, study_id: int, obs: Observation, verdict=None
    ) -> Observed:
        now = self.clock()
        study = self._study(conn, owner, study_id, lock=isinstance(obs, External))
        space = Space.from_dict(study.definition["space"])
        should_stop = False
        if isinstance(obs, External):
            trial_id = observe.external(conn, study, space, obs, now)
            trial = sql.get_trial(conn, study_id, trial_id, now)
        else:
            trial = self._trial(conn, study_id, obs.trial_id, now, lock=True)
            if isinstance(obs, Intermediate):
                trial, should_stop = observe.intermediate(conn, study, trial, obs, now,
                                                          verdict)
            else:
                trial = observe.finish(conn, study, trial, obs, now)
        trial = observe.set_attrs(conn, trial, obs.user_attrs)
        state, reason = status(conn, study, space, Counts(conn, study_id, now), now)
        return Observed(trial, should_stop, state, reason, study)

    def heartbeat(
        self, owner: Owner, study_id: int, trial_id: int, key: Key | None = None
    ) -> TrialAnswer | Replay:
        """Renew a running trial's lease; Conflict once it has ended or expired."""

        def _beat(conn):
            now = self.clock()
            study = self._study(conn, owner, study_id)
            trial = self._trial(conn, study_id, trial_id, now, lock=True)
            if trial.state is not RUNNING:
                raise Conflict(f"trial {trial_id} is {trial.state.value}: no lease to renew")
            sql.update_trial(conn, trial_id, lease_expires_at=now + study.lease_seconds)
            return TrialAnswer(sql.get_trial(conn, study_id, trial_id, now), study)

        return self._write(key, _beat)

    # -- idempotency keys ------------------------------------------------------------
    def _write(self, key: Key | None, fn: Callable, *args):
        """fn(conn, *args) in a write transaction; with a key, its answer is stored in the
        same transaction, and a request that already ran gets its stored answer back."""
        if key is None:
            return self.store.run_write(fn, *args)
        if self.answer is None:
            raise TypeError("this Service was built without an answer renderer: no keys")
        return idempotency.run(self.store, key, self.clock, self.answer, fn, *args)

    # -- helpers ---------------------------------------------------------------------
    def _study(self, conn, owner: Owner, study_id: int, lock: bool = False) -> Study:
        """The study, if `owner` may see it; another owner's is not found, like a missing
        one, so that its existence is not disclosed."""
        study = sql.get_study(conn, study_id, lock=lock) if _is_id(study_id) else None
        if study is None or not owner.sees(study.owner):
            raise NotFound(f"no study with id {study_id}")
        if len(self._hints) >= _Hint.KEPT:
            self._hints.clear()
        self._hints[study_id] = _Hint.of(study)
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


@dataclass(frozen=True)
class _Hint:
    """What a study's definition says about the reads a request may skip before its write
    transaction: the proposal made ahead (samplers that read the history) and the early-
    stopping rule's reading. These parts of a definition never change (PATCH changes only
    names, notes and completion criteria), so the service keeps these per
    study id; only as hints: the write transaction does all the work without them. (On
    SQLite a deleted study's id may be given again; a wrong hint then costs time.)"""

    KEPT: ClassVar[int] = 10_000  # studies remembered; forgotten all at once past it

    algorithm: str
    reads_history: bool
    has_rule: bool

    @classmethod
    def of(cls, study: Study) -> _Hint:
        name = study.algorithm["name"]
        return cls(name, samplers.get(name).needs_history,
                   study.definition.get("early_stopping") is not None)


def _is_id(value: int) -> bool:
    """Ids are positive 64-bit integers: any other number names nothing (and would not
    fit the store's integer columns)."""
    return 0 < value < 2**63
