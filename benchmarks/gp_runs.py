"""One benchmark run of one method: sequential, or in parallel batches (k asked, then told).

Every run returns the values in the order they were asked and each trial's position in
the unit cube (our encoding: numeric columns in [0, 1], categoricals as their index), so
diagnostics can look at where a method went, not only at how well it did.

Optuna's samplers start from our initial design (the same scrambled-Sobol points for
the same seed, enqueued), so the comparison paired by seed differs only by the model.
"""

from __future__ import annotations

import importlib
import json
import time

import numpy as np

try:
    from benchmarks.problems import PROBLEMS, Problem
except ImportError:  # run as a script from benchmarks/
    from problems import PROBLEMS, Problem

from optimizer_api.domain import Direction, Trial, TrialState
from optimizer_api.samplers.base import SamplerContext
from optimizer_api.samplers.gp import GPSampler
from optimizer_api.samplers.gp.encoding import Encoding
from optimizer_api.samplers.random import RandomSampler
from optimizer_api.space import Space

N_INITIAL = 10


def run_ours(problem: Problem, seed: int, budget: int, batch: int = 1, sampler=None, options=None):
    """Our sampler in-process through the SamplerContext contract: `batch` trials are
    suggested one call each (the earlier ones running), then all are told.

    Returns (values, params, seconds of each suggest call, in the order asked)."""
    sampler = sampler or GPSampler()
    space = Space.from_dict(problem.space)
    opts = sampler.validate_options(options or {}, space)
    trials: list[Trial] = []
    state, params, asks = None, [], []
    while len(trials) < budget:
        asked = []
        for n in range(len(trials), min(len(trials) + batch, budget)):
            running = tuple(Trial(m, m, TrialState.RUNNING, p, None) for m, p in asked)
            ctx = SamplerContext(
                space, Direction.MINIMIZE, seed, [n], opts, tuple(trials) + running, state
            )
            t0 = time.perf_counter()
            proposal = sampler.suggest(ctx)
            asks.append(time.perf_counter() - t0)
            state = proposal.state
            asked.append((n, proposal.suggestions[0].params))
        for n, p in asked:
            trials.append(Trial(n, n, TrialState.COMPLETED, p, problem.observe(p, seed, n)))
            params.append(p)
    return [t.value for t in trials], params, asks


def initial_design(problem: Problem, seed: int) -> list[dict]:
    """Our first N_INITIAL suggestions for this seed (the scrambled-Sobol design)."""
    space = Space.from_dict(problem.space)
    s = GPSampler()
    ctx = SamplerContext(
        space, Direction.MINIMIZE, seed, list(range(N_INITIAL)), s.validate_options({}, space), ()
    )
    return [sg.params for sg in s.suggest(ctx).suggestions]


def _optuna_distributions(space: dict):
    import optuna.distributions as od

    out = {}
    for name, s in space.items():
        if s["type"] == "categorical":
            out[name] = od.CategoricalDistribution(s["choices"])
        elif s["type"] == "int":
            out[name] = od.IntDistribution(s["low"], s["high"], log=s.get("log", False))
        else:
            out[name] = od.FloatDistribution(s["low"], s["high"], log=s.get("log", False))
    return out


def run_optuna(problem: Problem, seed: int, budget: int, kind: str, batch: int = 1):
    """Optuna's GPSampler or TPE, asked `batch` at a time, from our initial design."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if kind == "tpe":
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=N_INITIAL)
    else:
        sampler = optuna.samplers.GPSampler(seed=seed, n_startup_trials=N_INITIAL)
    study = optuna.create_study(sampler=sampler)
    for p in initial_design(problem, seed):
        study.enqueue_trial(p)
    dists = _optuna_distributions(problem.space)
    values, params, asks = [], [], []
    while len(values) < budget:
        asked = []
        for _ in range(min(batch, budget - len(values))):
            t0 = time.perf_counter()
            asked.append(study.ask(dists))  # GPSampler and TPE sample in ask
            asks.append(time.perf_counter() - t0)
        for trial in asked:
            v = problem.observe(trial.params, seed, trial.number)
            study.tell(trial, v)
            values.append(v)
            params.append(trial.params)
    return values, params, asks


def run_skopt(problem: Problem, seed: int, budget: int):
    from skopt import gp_minimize
    from skopt.space import Categorical, Integer, Real

    names, dims = list(problem.space), []
    for s in problem.space.values():
        if s["type"] == "categorical":
            dims.append(Categorical(s["choices"]))
        elif s["type"] == "int":
            dims.append(Integer(s["low"], s["high"]))
        else:
            prior = "log-uniform" if s.get("log") else "uniform"
            dims.append(Real(s["low"], s["high"], prior=prior))

    def params(x):
        return {n: (v.item() if hasattr(v, "item") else v) for n, v in zip(names, x, strict=True)}

    told: list[float] = []

    def f(x):
        told.append(problem.observe(params(x), seed, len(told)))
        return told[-1]

    res = gp_minimize(f, dims, n_calls=budget, random_state=seed)
    return [float(v) for v in res.func_vals], [params(x) for x in res.x_iters], []


def closest_pairs(U: np.ndarray, cat: np.ndarray, batch: int) -> list[float]:
    """Per batch of rows, the smallest distance between two of its rows: Euclidean in the
    unit cube, a categorical column adding 1 where the categories differ."""
    out = []
    for i in range(N_INITIAL // batch * batch, len(U) - batch + 1, batch):
        B = U[i : i + batch]
        diff = B[:, None, :] - B[None, :, :]  # (k, k, d)
        diff[..., cat] = diff[..., cat] != 0
        d = np.sqrt((diff**2).sum(-1))
        out.append(float(d[np.triu_indices(len(B), 1)].min()))
    return out


class constants:  # noqa: N801 (a context manager used like a function)
    """Our sampler with other module constants for one run, e.g. {"tuning.PRIOR_MEAN": 1.0}
    (module of optimizer_api.samplers.gp, name): set for the run, restored after it; the
    sampler reads them at call time. How a setting is judged on seeds it was not chosen
    on (gp_quality.py --first-seed 100)."""

    def __init__(self, values: dict[str, object]):
        self.values = values

    def __enter__(self):
        self.old = {}
        for key in self.values:  # every name checked before any is set
            module, name = key.rsplit(".", 1)
            mod = importlib.import_module(f"optimizer_api.samplers.gp.{module}")
            if not hasattr(mod, name):
                raise ValueError(f"no constant {key}")
            self.old[(mod, name)] = getattr(mod, name)
        for (mod, name), value in zip(self.old, self.values.values(), strict=True):
            setattr(mod, name, value)

    def __exit__(self, *exc):
        for (mod, name), value in self.old.items():
            setattr(mod, name, value)


def true_regrets(problem: Problem, values, params) -> dict:
    """A noisy run's regrets on the noiseless function: "regret" at the trial with the
    best observed value (the one a user would pick), "regret_any" at the best of all
    trials (what the run found, whether or not the noise let it tell)."""
    true = np.array([problem.true_func(p) for p in params])
    return {
        "regret": float(true[int(np.argmin(values))]) - problem.optimum,
        "regret_observed": float(np.min(values)) - problem.optimum,
        "regret_any": float(true.min()) - problem.optimum,
        "true_values": true.tolist(),
    }


def run(task: tuple) -> dict:
    """task = (problem, method, seed, budget, batch); a JSON-ready record.

    Methods: ours; ours:KEY=JSON (ours with an option, e.g. ours:n_initial=5);
    ours_subset=FIT/POSTERIOR (ours with other subset limits, e.g. ours_subset=4096/4096:
    no subset below 4,096 trials); ours@MODULE.NAME=JSON[@...] (ours with other module
    constants, e.g. ours@tuning.PRIOR_MEAN=1.0); random; optuna_tpe; optuna_gp; skopt_gp
    (sequential).
    A noisy problem's row has its regrets on the noiseless function (true_regrets)."""
    name, method, seed, budget, batch = task
    problem = PROBLEMS[name]
    t0 = time.perf_counter()
    if method == "ours":
        values, params, asks = run_ours(problem, seed, budget, batch)
    elif method.startswith("ours:"):  # ours with options, e.g. ours:n_initial=5
        key, val = method[5:].split("=")
        opts = {key: json.loads(val)}
        values, params, asks = run_ours(problem, seed, budget, batch, options=opts)
    elif method.startswith("ours_subset="):
        fit, posterior = map(int, method.split("=")[1].split("/"))
        # the hyperparameters fitted on at most FIT observations (256), the posterior on
        # at most POSTERIOR (512)
        with constants({"fitstate.MAX_FIT_POINTS": fit, "subset.MAX_POSTERIOR_POINTS": posterior}):
            values, params, asks = run_ours(problem, seed, budget, batch)
    elif method.startswith("ours@"):  # ours with other constants: see `constants`
        pairs = (kv.split("=", 1) for kv in method.split("@")[1:])
        with constants({k: json.loads(v) for k, v in pairs}):
            values, params, asks = run_ours(problem, seed, budget, batch)
    elif method == "random":
        values, params, asks = run_ours(problem, seed, budget, batch, sampler=RandomSampler())
    elif method in ("optuna_tpe", "optuna_gp"):
        values, params, asks = run_optuna(problem, seed, budget, method[7:], batch)
    elif method == "skopt_gp" and batch == 1:
        values, params, asks = run_skopt(problem, seed, budget)
    else:
        raise ValueError(method)
    seconds = time.perf_counter() - t0
    enc = Encoding(Space.from_dict(problem.space))
    U = enc.encode_many(params)
    row = {
        "problem": name,
        "method": method,
        "seed": seed,
        "budget": budget,
        "batch": batch,
        "regret": float(np.min(values)) - problem.optimum,
        "seconds": seconds,
        "values": [float(v) for v in values],
        "ask_seconds": [round(a, 5) for a in asks],
    }
    if problem.true_func is not None:
        row.update(true_regrets(problem, values, params))
    if batch > 1:
        row["closest"] = closest_pairs(U, enc.cat, batch)
    if enc.d <= 8:
        row["unit"] = np.round(U, 6).tolist()
    return row
