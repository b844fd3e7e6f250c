"""The use cases. The only module that combines the store with samplers and rules, and
the only one that opens transactions: one per use case.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from . import definition, samplers, stopping
from .domain import COUNTED_STATES, Study, StudyView, Trial, TrialState
from .errors import Conflict, InvalidRequest, KeyInFlight, NotFound
from .space import Space
from .status import exhausted_reason
from .store import Store, sql

log = logging.getLogger(__name__)

IDEMPOTENCY_TTL = 24 * 3600.0
IN_FLIGHT_STALE_AFTER = 300.0  # a holder that has not finished by then has died
RUNNING = TrialState.RUNNING


@dataclass
class Idempotency:
    """An Idempotency-Key claimed for one request; the response is stored with the result."""

    scope: str
    key: str
    render: Callable[[Any], tuple[int, Any]]
    rendered: tuple[int, Any] | None = field(default=None)

    def finish(self, conn: Connection, result: Any) -> None:
        self.rendered = self.render(result)
        status, body = self.rendered
        sql.finish_key(conn, self.scope, self.key, status, sql.dumps(body))


@dataclass(frozen=True)
class Replay:
    status: int
    body: str


@dataclass(frozen=True)
class Suggested:
    trials: list[Trial]
    view: StudyView


@dataclass(frozen=True)
class Observed:
    trial: Trial
    should_stop: bool
    view: StudyView


class Service:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time):
        self.store = store
        self.clock = clock

    # -- studies ---------------------------------------------------------------------
    def create_study(self, spec: Mapping[str, Any], idem: Idempotency | None = None):
        """Create a study, or return the one of that name if its definition is the same.

        Returns:
            (view, created): created is False when the study already existed.
        """
        canon = definition.canonical(spec)
        for _ in range(2):  # a concurrent create of the same name may win the insert
            try:
                return self.store.run_write(self._create, canon, idem)
            except IntegrityError:
                continue
        raise Conflict(f"study {canon['name']!r} is being created concurrently; retry")

    def _create(self, conn: Connection, canon: dict, idem: Idempotency | None):
        now = self.clock()
        existing = sql.find_study(conn, canon["name"])
        if existing is not None:
            if existing.definition != canon:
                raise Conflict(
                    f"a study named {canon['name']!r} exists with another definition",
                    errors={"name": ["exists with another definition"]},
                )
            result = (self._view(conn, existing, now), False)
        else:
            seed = canon["seed"] if canon["seed"] is not None else secrets.randbits(63)
            study_id = sql.insert_study(conn, canon["name"], canon, seed, now)
            result = (self._view(conn, sql.get_study(conn, study_id), now), True)
        if idem:
            idem.finish(conn, result)
        return result

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
            if not sql.delete_study(conn, study_id):
                raise NotFound(f"no study with id {study_id}")

        self.store.run_write(_delete)

    # -- suggest ---------------------------------------------------------------------
    def suggest(
        self, study_id: int, count: int = 1, worker_id: str | None = None,
        idem: Idempotency | None = None,
    ) -> Suggested:
        return self.store.run_write(self._suggest, study_id, count, worker_id, idem)

    def _suggest(self, conn, study_id, count, worker_id, idem) -> Suggested:
        now = self.clock()
        study = self._study(conn, study_id, lock=True)
        sql.expire_lapsed(conn, study_id, now)
        handed: list[Trial] = []
        if worker_id is not None:  # a retrying worker gets its running trials back
            handed = sql.running_of_worker(conn, study_id, worker_id, now)[:count]
            for t in handed:
                sql.update_trial(conn, t.id, lease_expires_at=now + study.lease_seconds)
        need = count - len(handed)
        if need > 0:
            counts = sql.state_counts(conn, study_id, now)
            if exhausted_reason(conn, study, counts, now) is None:
                handed += self._new_trials(conn, study, counts, need, worker_id, now)
        trials = [sql.get_trial(conn, study_id, t.id, now) for t in handed]
        result = Suggested(trials, self._view(conn, sql.get_study(conn, study_id), now))
        if idem:
            idem.finish(conn, result)
        return result

    def _new_trials(self, conn, study: Study, counts, need, worker_id, now) -> list[Trial]:
        max_trials = study.definition["max_trials"]
        if max_trials is not None:
            need = min(need, max_trials - sum(counts[s.value] for s in COUNTED_STATES))
        if need <= 0:
            return []
        space = Space.from_dict(study.definition["space"])
        name, options = study.algorithm["name"], study.algorithm["options"]
        sampler = samplers.get(name)
        updates: dict[str, Any] = {}
        if name == "grid":
            indices = self._grid_indices(conn, study, space, options, need, now)
            proposal = sampler.points(space, indices, options)
            updates["grid_cursor"] = max([study.grid_cursor - 1, *indices]) + 1
        else:
            numbers = range(study.next_number, study.next_number + need)
            history = sql.all_curves(conn, study.id, now) if sampler.needs_history else ()
            proposal = self._propose(sampler, study, space, numbers, history)
            if proposal.state is not None:
                updates["sampler_state"] = proposal.state
        out = []
        for i, s in enumerate(proposal.suggestions):
            number = study.next_number + i
            grid_index = (s.info or {}).get("grid_index")
            trial_id = sql.insert_trial(
                conn, study_id=study.id, number=number, state=RUNNING.value, params=s.params,
                worker_id=worker_id, external=False, info=s.info, grid_index=grid_index,
                created_at=now, lease_expires_at=now + study.lease_seconds,
            )
            out.append(Trial(trial_id, number, RUNNING, s.params))
        sql.update_study(conn, study.id, next_number=study.next_number + len(out), **updates)
        return out

    def _grid_indices(self, conn, study, space, options, need, now) -> list[int]:
        again = sql.requeueable_grid_indices(conn, study.id, options["max_retries"], now, need)
        size = samplers.get("grid").size(space, options)
        fresh = range(study.grid_cursor, min(size, study.grid_cursor + need - len(again)))
        return [*again, *fresh]

    def _propose(self, sampler, study: Study, space, numbers, history) -> samplers.Proposal:
        ctx = samplers.SamplerContext(
            space=space, direction=study.direction, seed=study.seed, numbers=list(numbers),
            options=study.algorithm["options"], trials=history, state=study.sampler_state,
        )
        try:
            return sampler.suggest(ctx)
        except Exception:  # a suggestion must never fail on numerics: fall back to random
            log.exception("sampler %s failed on study %s; falling back to random", sampler.name,
                          study.id)
            fallback = samplers.get("random").suggest(ctx)
            return samplers.Proposal(
                [samplers.Suggestion(s.params, {"source": "fallback_random"})
                 for s in fallback.suggestions]
            )

    # -- observe ---------------------------------------------------------------------
    def observe(
        self, study_id: int, obs: Mapping[str, Any], idem: Idempotency | None = None
    ) -> Observed:
        return self.store.run_write(self._observe, study_id, obs, idem)

    def _observe(self, conn, study_id, obs, idem) -> Observed:
        now = self.clock()
        kind = obs["kind"]
        study = self._study(conn, study_id, lock=kind == "external")
        should_stop = False
        if kind == "external":
            trial_id = self._external(conn, study, obs, now)
        else:
            trial = self._trial(conn, study_id, obs["trial_id"], now, lock=True)
            trial_id = trial.id
            if trial.state is RUNNING and trial.lease_expires_at < now:
                sql.update_trial(conn, trial.id, state=TrialState.EXPIRED.value,
                                 finished_at=trial.lease_expires_at)
            if kind == "intermediate":
                should_stop = self._intermediate(conn, study, trial, obs, now)
            else:
                self._finish(conn, trial, kind, obs, now)
        trial = sql.get_trial(conn, study_id, trial_id, now)
        result = Observed(trial, should_stop, self._view(conn, study, now))
        if idem:
            idem.finish(conn, result)
        return result

    def _external(self, conn, study: Study, obs, now) -> int:
        params = Space.from_dict(study.definition["space"]).validate_params(obs["params"])
        trial_id = sql.insert_trial(
            conn, study_id=study.id, number=study.next_number, state="completed",
            params=params, value=obs["value"], external=True, created_at=now, finished_at=now,
        )
        sql.update_study(conn, study.id, next_number=study.next_number + 1)
        return trial_id

    def _intermediate(self, conn, study: Study, trial: Trial, obs, now) -> bool:
        step, value = obs["step"], obs["value"]
        if trial.state not in (RUNNING, TrialState.EXPIRED):
            raise Conflict(f"trial {trial.id} is {trial.state.value}: it takes no more reports")
        if step in trial.intermediate:
            if trial.intermediate[step] != value:
                raise Conflict(
                    f"trial {trial.id} already has value {trial.intermediate[step]} at step "
                    f"{step}", errors={"step": ["already reported with another value"]},
                )
            return False  # a retry of the same report
        sql.insert_intermediate(conn, trial.id, step, value)
        if trial.state is not RUNNING or trial.lease_expires_at < now:
            return False  # expired: the value is kept, the trial stays expired
        sql.update_trial(conn, trial.id, lease_expires_at=now + study.lease_seconds)
        return self._should_stop(conn, study, trial, {**trial.intermediate, step: value}, now)

    def _should_stop(self, conn, study: Study, trial: Trial, curve, now) -> bool:
        spec = study.definition.get("early_stopping")
        if not spec:
            return False
        rule = stopping.get(spec["rule"])
        others = [t for t in sql.all_curves(conn, study.id, now) if t.id != trial.id]
        me = Trial(trial.id, trial.number, trial.state, trial.params, intermediate=curve)
        options = {k: v for k, v in spec.items() if k != "rule"}
        try:
            decision = rule.should_stop(me, others, study.direction, options)
        except Exception:  # a rule must never fail a report
            log.exception("rule %s failed on trial %s", rule.name, trial.id)
            return False
        if decision.stop:
            sql.update_trial(conn, trial.id, reason=decision.reason)
        return decision.stop

    def _finish(self, conn, trial: Trial, kind: str, obs, now) -> None:
        state = {"final": "completed", "failed": "failed", "pruned": "pruned"}[kind]
        value = obs.get("value")
        if kind == "pruned" and value is None:
            value = trial.last_intermediate
        if trial.state.value == state and (kind == "failed" or trial.value == value):
            return  # a retry of the same report: nothing changes
        if trial.state not in (RUNNING, TrialState.EXPIRED):
            detail = f"trial {trial.id} is already {trial.state.value}"
            if trial.state.value == state:
                detail += f" with value {trial.value}"
            raise Conflict(detail, errors={"trial_id": [detail]})
        reason = {"failed": obs.get("reason"), "pruned": trial.reason}.get(kind)
        sql.update_trial(conn, trial.id, state=state, value=None if kind == "failed" else value,
                         reason=reason, finished_at=now)

    def heartbeat(self, study_id: int, trial_id: int, idem: Idempotency | None = None) -> Trial:
        def _beat(conn):
            now = self.clock()
            study = self._study(conn, study_id)
            trial = self._trial(conn, study_id, trial_id, now, lock=True)
            if trial.state is not RUNNING:
                raise Conflict(f"trial {trial_id} is {trial.state.value}: no lease to renew")
            sql.update_trial(conn, trial_id, lease_expires_at=now + study.lease_seconds)
            result = sql.get_trial(conn, study_id, trial_id, now)
            if idem:
                idem.finish(conn, result)
            return result

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
    def claim_key(self, scope: str, key: str, body: bytes) -> Replay | None:
        """Claim an Idempotency-Key; a Replay when that request was already answered.

        Raises:
            InvalidRequest: the key was used with another request body (422).
            Conflict: the first request with this key is still in flight (409).
        """
        fingerprint = _fingerprint(body)

        def _claim(conn):
            now = self.clock()
            if secrets.randbelow(100) == 0:
                sql.purge_keys(conn, now - IDEMPOTENCY_TTL)
            row = sql.claim_key(conn, scope, key, fingerprint, now)
            if row is None:
                return None
            if row.fingerprint != fingerprint:
                raise InvalidRequest(
                    "this Idempotency-Key was used with another request body",
                    errors={"Idempotency-Key": ["reused with another request body"]},
                )
            if row.status_code is not None:
                return Replay(row.status_code, row.response)
            if sql.retake_key(conn, scope, key, now, now - IN_FLIGHT_STALE_AFTER):
                return None
            raise KeyInFlight("a request with this Idempotency-Key is still in flight")

        return self.store.run_write(_claim)

    def release_key(self, scope: str, key: str) -> None:
        """Forget an in-flight key whose request failed, so that a retry runs again."""
        self.store.run_write(sql.release_key, scope, key)

    # -- helpers ---------------------------------------------------------------------
    def _study(self, conn, study_id: int, lock: bool = False) -> Study:
        study = sql.get_study(conn, study_id, lock=lock)
        if study is None:
            raise NotFound(f"no study with id {study_id}")
        return study

    def _trial(self, conn, study_id: int, trial_id: int, now: float, lock=False) -> Trial:
        trial = sql.get_trial(conn, study_id, trial_id, now, lock=lock)
        if trial is None:
            raise NotFound(
                f"no trial with id {trial_id} in study {study_id}",
                errors={"trial_id": ["not a trial of this study"]},
            )
        return trial

    def _view(self, conn, study: Study, now: float) -> StudyView:
        counts = sql.state_counts(conn, study.id, now)
        best = sql.best_trial(conn, study.id, study.direction)
        reason = exhausted_reason(conn, study, counts, now, best)
        done = reason is not None and counts["running"] == 0
        if reason is not None and not done:
            reason = f"{reason}; waiting for {counts['running']} running trial(s)"
        return StudyView(study, counts, "completed" if done else "running", reason, best)


def _fingerprint(body: bytes) -> str:
    try:  # the same JSON sent with other spacing or key order is the same request
        body = json.dumps(json.loads(body or b"null"), sort_keys=True).encode()
    except ValueError:
        pass
    return hashlib.sha256(body).hexdigest()
