"""`Study.optimize`: run an objective over many trials, in parallel threads or processes.

Each worker loops: take a ticket (one of `n_trials`), ask the service for a trial, call
`objective(trial)`, record the result. Workers tell the caller what they do through an
event queue, so the caller's thread alone draws the progress bar and knows which trials
are running when Ctrl-C arrives: it marks those failed, then returns control.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import pickle
import queue
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .exceptions import BadRequestError, ConflictError, OptimizerError
from .outcome import result_body
from .progress import Progress
from .trial import MAX_REASON, Trial

if TYPE_CHECKING:  # for annotations only: study.py imports this module for Study.optimize
    from .study import Study

log = logging.getLogger(__name__)

# Returns a number, {objective or constraint name: number}, or a tuple in objective order.
Objective = Callable[[Trial], Any]
POLL = 0.2  # seconds between progress redraws and liveness checks


class TrialPruned(Exception):  # noqa: N818 - the name says what happened, as in Optuna
    """Raise it from an objective to end the trial as pruned (after `trial.report`)."""


def run_trial(trial: Trial, objective: Objective) -> None:
    """Call the objective and record its outcome; an exception in it marks the trial failed.

    The objective returns the final value (a number; for a study of several objectives or
    with constraints, a dict by objective and constraint name, or a tuple of the
    objectives' values in declared order), or None after ending the trial itself
    (`trial.complete`, `trial.prune`). Errors talking to the service propagate. While it
    runs, the trial's lease is renewed every third of the study's `lease_seconds`, so a
    step longer than the lease does not let it expire (a dead worker's still does).
    """
    try:
        with _heartbeats(trial, trial.study.data.get("lease_seconds")):
            value = objective(trial)
    except TrialPruned:
        if trial.state == "running":
            trial.prune()
        return
    except Exception as exc:  # noqa: BLE001 - one bad configuration must not end the run
        log.warning("trial %s failed: %s: %s", trial.number, type(exc).__name__, exc)
        if trial.state in ("running", "expired"):
            trial.fail(f"{type(exc).__name__}: {exc}"[:MAX_REASON])
        return
    if trial.state not in ("running", "expired"):
        return
    if value is None:
        trial.fail("the objective returned None without ending the trial")
        return
    try:
        result_body(trial.study.data, value)
    except BadRequestError as exc:  # a string, a diverged run (JSON has no NaN), a bad name
        reason = f"the objective returned {type(value).__name__} {value!r:.200}: {exc}"
        log.warning("trial %s failed: %s", trial.number, reason)
        trial.fail(reason[:MAX_REASON])
        return
    trial.complete(value)


@contextlib.contextmanager
def _heartbeats(trial: Trial, lease_seconds: float | None) -> Iterator[None]:
    """Renew the trial's lease from a thread every lease_seconds / 3 while the block runs."""
    if not lease_seconds:
        yield
        return
    done = threading.Event()
    path = f"/v1/studies/{trial.data['study_id']}/trials/{trial.id}/heartbeat"

    def beat() -> None:
        while not done.wait(lease_seconds / 3):
            try:  # the answer is not kept: trial.data is the objective's thread's
                trial.study.client.request("POST", path, json={})
            except ConflictError:  # the trial ended (or expired): nothing left to renew
                return
            except OptimizerError as exc:  # the next beat may get through
                log.warning("heartbeat of trial %s failed: %s", trial.number, exc)

    beater = threading.Thread(target=beat, name=f"heartbeat-{trial.id}", daemon=True)
    beater.start()
    try:
        yield
    finally:
        done.set()
        beater.join()


class _Tickets:
    """A shared budget of trials; `limit` None means as many as the study gives."""

    def __init__(self, limit: int | None, counter: Any, lock: Any) -> None:
        self.limit, self.counter, self.lock = limit, counter, lock

    def take(self) -> bool:
        with self.lock:
            if self.limit is not None and self.counter.value >= self.limit:
                return False
            self.counter.value += 1
            return True


def _work(study: Study, objective: Objective, tickets: _Tickets, stop, events, worker: str):
    """One worker's loop; every step is announced on `events` as (kind, worker, payload)."""
    try:
        while not stop.is_set() and tickets.take():
            trial = study.suggest(worker_id=worker)
            if trial is None:
                break
            if stop.is_set():  # stopped while we were asking: the caller may not see it
                trial.fail("interrupted: the run stopped before this trial started")
                break
            events.put(("start", worker, trial.data))
            run_trial(trial, objective)
            events.put(("end", worker, trial.data))
    except BaseException as exc:  # noqa: BLE001 - reported to the caller, who re-raises it
        if not stop.is_set():  # after Ctrl-C the caller has failed our trial: 409s expected
            events.put(("error", worker, f"{type(exc).__name__}: {exc}"))
    finally:
        events.put(("done", worker, None))


def _process_main(study: Study, objective, tickets, stop, events, worker):
    """A worker process: the study arrives with a Client of its own; Ctrl-C is the parent's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with study.client:
        _work(study, objective, tickets, stop, events, worker)


def optimize(
    study: Study,
    objective: Objective,
    n_trials: int | None = None,
    n_workers: int = 1,
    *,
    processes: bool = False,
    timeout: float | None = None,
    show_progress: bool | None = None,
) -> list[Trial]:
    """Run `objective(trial)` on trials the service suggests, `n_workers` at a time.

    Args:
        study: the study to work on.
        objective: gets a running Trial (`trial.params`; `trial.report(step, value)` says
            True when the trial should stop). It returns the final value (a number, a
            dict by objective and constraint name, or a tuple in objective order), raises
            `TrialPruned` to stop early, or ends the trial itself and returns None.
        n_trials: how many trials this call runs (failed ones included); None: until the
            study suggests nothing more (it needs `max_trials` or a grid).
        n_workers: how many trials run at once.
        processes: run workers in processes (spawned: the objective must be picklable,
            i.e. defined at module level) rather than threads.
        timeout: seconds after which no new trial starts.
        show_progress: None draws a bar only on a terminal; True also prints a line per
            tenth of the run when not on one; False is quiet.

    Returns:
        The trials this call ran, in the order they finished.

    Raises:
        KeyboardInterrupt: after marking the running trials failed.
        OptimizerError: a worker could not talk to the service (the others are stopped).
    """
    if n_workers < 1:
        raise ValueError(f"n_workers must be >= 1, got {n_workers}")
    workers, names, shared = _make_workers(study, objective, n_trials, n_workers, processes)
    events, stop = shared["events"], shared["stop"]
    total = n_trials if n_trials is not None else study.data.get("max_trials")
    several = len(study.objectives) > 1  # no one best value to show
    progress = Progress(total, None if several else study.direction, show_progress)
    run = _Run(study, workers, names, events, stop, progress)
    for worker in workers:
        worker.start()
    try:
        run.follow(time.monotonic() + timeout if timeout is not None else None)
    except KeyboardInterrupt:
        run.interrupt()
        raise
    finally:
        progress.close()
        del shared  # only now may the locks and the queue go
    if run.errors:
        raise OptimizerError("; ".join(run.errors))
    return run.finished


def _make_workers(study: Study, objective, n_trials, n_workers: int, processes: bool):
    """Threads, or spawned processes, sharing a ticket budget, a stop flag and an event queue."""
    ctx = multiprocessing.get_context("spawn") if processes else None
    stop = ctx.Event() if ctx else threading.Event()
    events = ctx.Queue() if ctx else queue.Queue()
    counter = ctx.Value("i", 0, lock=False) if ctx else _Counter()
    tickets = _Tickets(n_trials, counter, ctx.Lock() if ctx else threading.Lock())
    tag = uuid.uuid4().hex[:8]
    names = [f"optimize-{tag}-{i}" for i in range(n_workers)]
    args = (study, objective, tickets, stop, events)
    if ctx:
        pickle.dumps(objective)  # fail here, not in each child: lambdas and closures cannot go
        workers = [ctx.Process(target=_process_main, args=(*args, w), daemon=True) for w in names]
    else:
        workers = [threading.Thread(target=_work, args=(*args, w), daemon=True) for w in names]
    # The caller keeps `shared` alive: a spawned child unpickles the locks after start()
    # has dropped the Process's args, and a collected lock is unlinked under its feet.
    return workers, names, {"events": events, "stop": stop, "tickets": tickets}


class _Counter:
    value = 0


class _Run:
    """The caller's side: follows worker events, draws progress, handles Ctrl-C."""

    def __init__(self, study, workers, names, events, stop, progress) -> None:
        self.study, self.workers, self.events, self.stop = study, workers, events, stop
        self.progress = progress
        self.by_name = dict(zip(names, workers, strict=True))
        self.running: dict[str, dict] = {}  # worker -> its running trial's data
        self.finished: list[Trial] = []
        self.errors: list[str] = []
        self.done: set[str] = set()

    def follow(self, deadline: float | None) -> None:
        """Consume events until every worker is done."""
        while len(self.done) < len(self.workers):
            if deadline is not None and time.monotonic() > deadline:
                self.stop.set()
            try:
                self._handle(*self.events.get(timeout=POLL))
            except queue.Empty:
                self._check_alive()
            self.progress.draw(len(self.running))
        for worker in self.workers:
            worker.join(5)  # each has said "done": this only reaps it

    def _handle(self, kind: str, worker: str, payload: Any) -> None:
        if kind == "start":
            self.running[worker] = payload
        elif kind == "end":
            self.running.pop(worker, None)
            self.finished.append(Trial(self.study, payload))
            self.progress.add(payload["state"], payload.get("value"))
        elif kind == "error":
            self.errors.append(f"{worker}: {payload}")
            self.stop.set()
        elif kind == "done":
            self.done.add(worker)

    def _check_alive(self) -> None:
        """A worker process that died (killed, out of memory) leaves its trial failed."""
        for name, worker in self.by_name.items():
            if name not in self.done and not worker.is_alive() and self.events.empty():
                code = getattr(worker, "exitcode", None)
                reason = f"worker process died (exit code {code})"
                data = self.running.pop(name, None)
                if data is not None:
                    self._fail(Trial(self.study, data), reason)
                self.errors.append(f"{name}: {reason}")
                self.done.add(name)

    def interrupt(self) -> None:
        """Ctrl-C: stop the workers; mark the trials they were running failed."""
        self.stop.set()
        for worker in self.workers:
            if hasattr(worker, "terminate"):
                worker.terminate()
                worker.join(5)
        # Ask the store rather than our events: a trial may have started since the last
        # event we read. A thread whose suggest answers after this query sees `stop`.
        try:
            running = self.study.trials(state="running")
        except OptimizerError:
            log.exception("could not list the running trials to mark them failed")
            return
        for trial in running:
            if trial.data.get("worker_id") in self.by_name:
                self._fail(trial, "interrupted (KeyboardInterrupt)")

    def _fail(self, trial: Trial, reason: str) -> None:
        try:
            trial.fail(reason)
        except ConflictError:
            return  # it finished meanwhile
        except OptimizerError:
            log.exception("could not mark trial %s failed", trial.id)
            return
        self.finished.append(trial)
