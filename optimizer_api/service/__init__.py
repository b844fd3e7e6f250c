"""The use cases: the only package that opens transactions, one per use case.

Each public method of `Service` reads what it needs from the store and writes back in
one transaction, so any worker of any replica can serve any request. The work inside a
transaction lives beside it: suggest.py, observe.py, status.py, studies.py, and
idempotency.py for Idempotency-Keys. Methods take typed inputs and return data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .. import metrics
from ..domain import Study, StudyView, Trial, TrialState
from ..errors import AlreadyExists, Conflict, NotFound, StoreUnavailable
from ..space import Space
from ..store import Store, reads, sql
from . import definition, explore, idempotency, judge, observe, studies, suggest
from .idempotency import Key, Replay
from .observe import External, Failed, Final, Intermediate, Observation, Pruned
from .status import Counts, exhausted_reason, status
from .studies import Created

RUNNING = TrialState.RUNNING
# How a use case's result goes over the wire: (HTTP status, JSON-able body). Given by the
# app at wiring time, so that an Idempotency-Key's answer is stored with the change.
Answer = Callable[[Any], tuple[int, Any]]

__all__ = [
    "Created", "External", "Failed", "Final", "Intermediate", "Key", "Observation",
    "Observed", "Pruned", "Replay", "Service", "Suggested",
]


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
    def __init__(
        self, store: Store, clock: Callable[[], float] = time.time, answer: Answer | None = None
    ):
        self.store = store
        self.clock = clock
        self.answer = answer

    # -- studies ---------------------------------------------------------------------
    def create_study(self, spec: Mapping[str, Any], key: Key | None = None) -> Created | Replay:
        """Create a study, or return the one of that name if its definition is the same.

        Raises:
            Conflict: a study of that name exists with another definition.
        """
        canon = definition.canonical(spec)
        for _ in range(2):  # a concurrent create of the same name may win the insert
            try:
                return self._write(key, studies.create, canon, dict(spec), self.clock())
            except AlreadyExists:
                continue
        raise Conflict(f"study {canon['name']!r} is being created concurrently; retry")

    def get_study(self, study_id: int) -> StudyView:
        with self.store.read() as conn:
            return studies.view(conn, self._study(conn, study_id), self.clock())

    def list_studies(
        self, name: str | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[list[StudyView], int]:
        """A page of the studies by id (or the one named `name`), and how many in all."""
        now = self.clock()
        with self.store.read() as conn:
            if name is not None:
                found = [s for s in [sql.find_study(conn, name)] if s is not None]
                total, found = len(found), found[offset : offset + limit]
            else:
                found, total = sql.list_studies(conn, limit, offset)
            return [studies.view(conn, s, now) for s in found], total

    def delete_study(self, study_id: int) -> None:
        def _delete(conn):
            if not (_is_id(study_id) and sql.delete_study(conn, study_id)):
                raise NotFound(f"no study with id {study_id}")

        self.store.run_write(_delete)

    # -- suggest ---------------------------------------------------------------------
    def suggest(
        self, study_id: int, count: int = 1, worker_id: str | None = None,
        key: Key | None = None,
    ) -> Suggested | Replay:
        """Up to `count` trials to run; a worker_id's running trials come back first."""
        started = time.perf_counter()
        study, space, pre = self._precompute(study_id, count, worker_id)
        result = self._write(key, self._suggest, study_id, count, worker_id, space, pre)
        metrics.SUGGEST.labels(study.algorithm["name"]).observe(time.perf_counter() - started)
        return result

    def _precompute(
        self, study_id: int, count: int, worker_id
    ) -> tuple[Study, Space, suggest.Precomputed | None]:
        """The study, its space, and an expensive proposal made outside the write lock if
        new trials may be needed.

        Raises:
            InvalidRequest: `count` is more than the study's sampler makes in one call.
        """
        now = self.clock()
        with self.store.read() as conn:
            study = self._study(conn, study_id)
            space = Space.from_dict(study.definition["space"])
            suggest.check_count(study, space, count)
            if worker_id is not None:
                count -= len(sql.running_of_worker(conn, study_id, worker_id, now))
            if count <= 0 or exhausted_reason(conn, study, space, Counts(conn, study_id, now),
                                              now):
                return study, space, None
            return study, space, suggest.precompute(conn, study, space, count, now)

    def _suggest(self, conn, study_id, count, worker_id, space: Space, pre) -> Suggested:
        # Everything here runs under the study's write lock: no read backs, and the trials
        # are counted once, only if a criterion needs them.
        now = self.clock()
        study = self._study(conn, study_id, lock=True)
        metrics.LEASES_EXPIRED.inc(sql.expire_lapsed(conn, study_id, now))
        trials: list[Trial] = []
        lease = now + study.lease_seconds
        if worker_id is not None:  # a retrying worker gets its running trials back
            for t in sql.running_of_worker(conn, study_id, worker_id, now)[:count]:
                sql.update_trial(conn, t.id, lease_expires_at=lease)
                trials.append(replace(t, lease_expires_at=lease))
        counts = Counts(conn, study_id, now)
        if count > len(trials) and exhausted_reason(conn, study, space, counts, now) is None:
            new, study = suggest.new_trials(
                conn, study, space, counts, count - len(trials), worker_id, now, pre
            )
            counts.add_running(len(new))
            trials += new
        state, reason = status(conn, study, space, counts, now)
        return Suggested(trials, state, reason)

    # -- observe ---------------------------------------------------------------------
    def observe(
        self, study_id: int, obs: Observation, key: Key | None = None
    ) -> Observed | Replay:
        """Record a report: a final or intermediate value, a failure, a pruning, or a
        result for params the user chose."""
        verdict = self._judge_ahead(study_id, obs) if isinstance(obs, Intermediate) else None
        return self._write(key, self._observe, study_id, obs, verdict)

    def _judge_ahead(self, study_id: int, obs: Intermediate) -> judge.Verdict | None:
        """The early-stopping rule's reading of the other trials, done before the write
        lock (judge.py); None when there is none to do, or nothing to judge."""
        now = self.clock()
        with self.store.read() as conn:
            study = self._study(conn, study_id)
            trial = self._trial(conn, study_id, obs.trial_id, now)
            return judge.ahead(conn, study, trial, obs.step, obs.value, now)

    def _observe(self, conn, study_id: int, obs: Observation, verdict=None) -> Observed:
        now = self.clock()
        study = self._study(conn, study_id, lock=isinstance(obs, External))
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
                trial = observe.finish(conn, trial, obs, now)
        state, reason = status(conn, study, space, Counts(conn, study_id, now), now)
        return Observed(trial, should_stop, state, reason)

    def heartbeat(self, study_id: int, trial_id: int, key: Key | None = None) -> Trial | Replay:
        """Renew a running trial's lease; Conflict once it has ended or expired."""

        def _beat(conn):
            now = self.clock()
            study = self._study(conn, study_id)
            trial = self._trial(conn, study_id, trial_id, now, lock=True)
            if trial.state is not RUNNING:
                raise Conflict(f"trial {trial_id} is {trial.state.value}: no lease to renew")
            sql.update_trial(conn, trial_id, lease_expires_at=now + study.lease_seconds)
            return sql.get_trial(conn, study_id, trial_id, now)

        return self._write(key, _beat)

    # -- reads -----------------------------------------------------------------------
    def trials(
        self, study_id: int, states: Sequence[str] | None = None, limit: int = 1000,
        offset: int = 0, sort: str = "number", params: Mapping[str, Any] | None = None,
    ) -> tuple[list[Trial], int]:
        """A page of trials, sorted, filtered by state and by ranges of params (see
        explore.param_filters), and how many match in all."""
        now = self.clock()
        with self.store.read() as conn:
            study = self._study(conn, study_id)
            filters = explore.param_filters(Space.from_dict(study.definition["space"]), params)
            return reads.page(conn, study_id, now, states=states, filters=filters, sort=sort,
                              limit=limit, offset=offset)

    def export(
        self, study_id: int, states: Sequence[str] | None = None,
        params: Mapping[str, Any] | None = None, page_size: int = 1000,
    ) -> tuple[Space, Iterator[Trial]]:
        """The study's space, and its matching trials by number, read a page at a time
        (checked now: a bad filter or an unknown study raises before anything is sent)."""
        with self.store.read() as conn:
            space = Space.from_dict(self._study(conn, study_id).definition["space"])
        filters = explore.param_filters(space, params)

        def walk() -> Iterator[Trial]:
            after = -1
            while True:
                with self.store.read() as conn:
                    found, _ = reads.page(conn, study_id, self.clock(), states=states,
                                          filters=filters, limit=page_size, after=after)
                yield from found
                if len(found) < page_size:
                    return
                after = found[-1].number

        return space, walk()

    def history(self, study_id: int, limit: int = 2000) -> explore.Sampled:
        """At most `limit` finished trials, chosen for charts (explore.history)."""
        with self.store.read() as conn:
            return explore.history(conn, self._study(conn, study_id), self.clock(), limit)

    def curves(self, study_id: int, limit: int = 100) -> explore.Sampled:
        """At most `limit` trials with their intermediate values (explore.curves)."""
        with self.store.read() as conn:
            return explore.curves(conn, self._study(conn, study_id), self.clock(), limit)

    def trial(self, study_id: int, trial_id: int) -> Trial:
        with self.store.read() as conn:
            self._study(conn, study_id)
            return self._trial(conn, study_id, trial_id, self.clock())

    def best(self, study_id: int) -> Trial | None:
        with self.store.read() as conn:
            return sql.best_trial(conn, study_id, self._study(conn, study_id).direction)

    def ready(self) -> None:
        self.store.ping()

    def trial_states(self) -> dict[str, int] | None:
        """Every study's trials per state (as metrics show them); None if the store is out."""
        try:
            with self.store.read() as conn:
                return sql.state_totals(conn, self.clock())
        except StoreUnavailable:
            return None

    # -- idempotency keys ------------------------------------------------------------
    def claim_key(self, key: Key) -> Replay | None:
        """Claim an Idempotency-Key (see idempotency.claim) in a transaction of its own."""
        return self.store.run_write(idempotency.claim, key, self.clock(), durable=False)

    def release_key(self, key: Key) -> None:
        """Forget an in-flight key whose request failed, so that a retry runs again."""
        self.store.run_write(idempotency.release, key, durable=False)

    def _write(self, key: Key | None, fn: Callable, *args):
        """fn(conn, *args) in a write transaction; with a key, its answer is stored in the
        same transaction, and a request that already ran gets its stored answer back."""
        if key is None:
            return self.store.run_write(fn, *args)
        if self.answer is None:
            raise TypeError("this Service was built without an answer renderer: no keys")
        replay = self.claim_key(key)
        if replay is not None:
            return replay
        try:
            return self.store.run_write(self._keyed, key, fn, *args)
        except BaseException:
            self.release_key(key)  # nothing was committed: a retry may run again
            raise

    def _keyed(self, conn, key: Key, fn: Callable, *args):
        result = fn(conn, *args)
        idempotency.finish(conn, key, self.answer(result), self.clock())
        return result

    # -- helpers ---------------------------------------------------------------------
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


def _is_id(value: int) -> bool:
    """Ids are positive 64-bit integers: any other number names nothing (and would not
    fit the store's integer columns)."""
    return 0 < value < 2**63
