"""Two objectives and a constraint: a random forest on the digits data set that is both
accurate and quick to predict, and small enough to ship (a pickled model of at most
--max-mb megabytes). Needs `pip install ./client scikit-learn` and a running service:

    OPTIMIZER_URL=http://127.0.0.1:8000 python two_objectives.py --trials 30 --workers 3

The objective returns a dict by objective and constraint name; at the end the Pareto
front (the feasible trials no other feasible trial beats in both objectives) is printed,
fastest first. With tokens on, set OPTIMIZER_TOKEN.
"""

from __future__ import annotations

import argparse
import os
import pickle
import time

from optimizer_client import Client

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # the workers are the parallelism

SPACE = {
    "n_estimators": {"type": "int", "low": 5, "high": 120},
    "max_depth": {"type": "int", "low": 2, "high": 24},
    "max_features": {"type": "categorical", "choices": ["sqrt", "log2", 0.5]},
}
OBJECTIVES = [{"name": "accuracy", "direction": "maximize"},
              {"name": "latency_ms", "direction": "minimize"}]


def evaluate(trial) -> dict[str, float]:
    """Fit the forest; its validation accuracy, its prediction time for the validation set
    (best of three), and its pickled size."""
    from sklearn.datasets import load_digits
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.3, random_state=0)
    model = RandomForestClassifier(random_state=0, n_jobs=1, **trial.params)
    model.fit(x_train, y_train)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        predicted = model.predict(x_val)
        timings.append(time.perf_counter() - start)
    return {"accuracy": float((predicted == y_val).mean()),
            "latency_ms": 1000 * min(timings),
            "model_mb": len(pickle.dumps(model)) / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--study", default="forest-accuracy-latency")
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--max-mb", type=float, default=1.0)
    parser.add_argument("--algorithm", default="quasi-random")
    args = parser.parse_args()
    url = os.environ.get("OPTIMIZER_URL", "http://127.0.0.1:8000")
    with Client(url, token=os.environ.get("OPTIMIZER_TOKEN")) as client:
        study = client.create_study(
            args.study, SPACE, objectives=OBJECTIVES, algorithm=args.algorithm,
            constraints=[{"name": "model_mb", "op": "<=", "bound": args.max_mb}],
            max_trials=args.trials, seed=0,
        )
        study.optimize(evaluate, n_workers=args.workers)
        front = study.pareto()
        print(f"Pareto front: {len(front.trials)} of "
              f"{front.data['n_candidates']} feasible trials "
              f"(hypervolume {front.hypervolume:.4g} up to {front.reference_point})")
        for t in sorted(front.trials, key=lambda t: t.values["latency_ms"]):
            print(f"trial {t.number}: accuracy {t.values['accuracy']:.4f}  latency "
                  f"{t.values['latency_ms']:.2f} ms  model {t.constraints['model_mb']:.2f} MB"
                  f"  {t.params}")


if __name__ == "__main__":
    main()
