"""Studies for the dashboard tests, made through the real HTTP API with the Python client.

`python -m tests.web.seed URL` seeds a running service by hand, to look at the pages.
"""

from __future__ import annotations

import math
import sys

from optimizer_client import Client

SPACE = {
    "learning_rate": {"type": "float", "low": 1e-4, "high": 0.1, "log": True},
    "layers": {"type": "int", "low": 1, "high": 4},
    "optimizer": {"type": "categorical", "choices": ["adam", "sgd", "rmsprop"]},
    "dropout": {"type": "float", "low": 0.0, "high": 0.5},
}
STEPS = 8
N_TRIALS = 26  # the last RUNNING of them are left running
RUNNING = 2
FAILED = {7, 16}


def loss(params: dict) -> float:
    """A validation loss with a known optimum (learning rate 0.01, 2 layers, adam)."""
    lr = math.log10(params["learning_rate"]) + 2
    penalty = {"adam": 0.0, "rmsprop": 0.08, "sgd": 0.2}[params["optimizer"]]
    return round(0.2 + 0.3 * lr**2 + 0.05 * (params["layers"] - 2) ** 2
                 + 0.4 * (params["dropout"] - 0.15) ** 2 + penalty, 6)


def curve(final: float, step: int) -> float:
    return round(final + 1.2 / (step + 1), 6)


def seed_demo(url: str, name: str = "mlp-digits") -> dict:
    """Completed, pruned (every 5th, after 3 steps), failed and running trials."""
    with Client(url, timeout=60, retries=3, backoff=0.05) as client:
        study = client.create_study(
            name, SPACE, direction="minimize", seed=7, max_trials=60,
            algorithm={"name": "bayesian", "options": {"n_initial": 8}},
            early_stopping={"rule": "median"},
        )
        for i in range(N_TRIALS):
            trial = study.suggest(worker_id=f"worker-{i % 3}")
            final = loss(trial.params)
            if i in FAILED:
                trial.report(1, curve(final, 1))
                trial.fail("CUDA out of memory")
                continue
            steps = 2 if i >= N_TRIALS - RUNNING else 3 if i % 5 == 3 else STEPS
            for step in range(1, steps + 1):
                trial.report(step, curve(final, step))
            if i >= N_TRIALS - RUNNING:
                continue
            if i % 5 == 3:
                trial.prune()
            else:
                trial.complete(final)
        return study.refresh().data


def seed_empty(url: str, name: str = "just-started") -> dict:
    """A study with one running trial and no result yet."""
    with Client(url, timeout=60, retries=3, backoff=0.05) as client:
        study = client.create_study(name, SPACE, seed=1)
        study.suggest(worker_id="worker-0")
        return study.refresh().data


if __name__ == "__main__":
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    print(seed_demo(base)["trial_counts"], seed_empty(base)["id"])
