"""Tune an sklearn MLPClassifier on the digits data set with optimizer-api.

Trains epoch by epoch with `partial_fit` and reports the validation accuracy after each
epoch, so the service's early-stopping rule can cut hopeless trials. Needs
`pip install ./client scikit-learn` and a running service:

    OPTIMIZER_URL=http://127.0.0.1:8000 python mlp_digits.py --trials 40 --workers 4

With tokens on, set OPTIMIZER_TOKEN (the Client sends it as a bearer token).

`--help` lists the options (algorithm, early-stopping rule, budget, processes).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time

from optimizer_client import Client, Study, TrialPruned

# One BLAS thread per worker: the workers are the parallelism. (OpenBLAS threads that
# spin on a busy machine made one epoch 40 times slower here.) So numpy and sklearn are
# imported only in the functions below, after this.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

CLASSES = list(range(10))
STOPPING = {
    "median": {"rule": "median", "min_steps": 3, "min_trials": 4},
    "asha": {"rule": "asha", "min_resource": 2, "reduction_factor": 3},
    "patience": {"rule": "patience", "patience": 4},
    "none": None,
}


def search_space(max_epochs: int) -> dict:
    """The classic MLP hyperparameters: optimizer step, batch, budget, L2, architecture."""
    return {
        "learning_rate": {"type": "float", "low": 1e-4, "high": 0.3, "log": True},
        "batch_size": {"type": "categorical", "choices": [16, 32, 64, 128, 256]},
        "epochs": {"type": "int", "low": min(5, max_epochs - 1), "high": max_epochs},
        "alpha": {"type": "float", "low": 1e-6, "high": 1e-1, "log": True},
        "layers": {"type": "int", "low": 1, "high": 3},
        "units": {"type": "int", "low": 16, "high": 256, "step": 16},
    }


@functools.cache
def digits() -> tuple:
    """Digits scaled to [0, 1], split 75/25 into training and validation (fixed split)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    return train_test_split(x / 16.0, y, test_size=0.25, stratify=y, random_state=0)


def train(trial) -> float:
    """The objective: train for `epochs` epochs, report validation accuracy after each."""
    from sklearn.neural_network import MLPClassifier

    p = trial.params
    x_train, x_val, y_train, y_val = digits()
    model = MLPClassifier(
        hidden_layer_sizes=(p["units"],) * p["layers"],
        learning_rate_init=p["learning_rate"],
        batch_size=p["batch_size"],
        alpha=p["alpha"],
        random_state=trial.number,
    )
    for epoch in range(1, p["epochs"] + 1):
        model.partial_fit(x_train, y_train, classes=CLASSES)
        accuracy = model.score(x_val, y_val)
        if trial.report(epoch, accuracy):  # the service says: worse than the others
            raise TrialPruned()
    return accuracy


def print_results(study: Study, seconds: float) -> None:
    """The five best trials and the best configuration, as tables."""
    study.refresh()
    counts = study.data["trial_counts"]
    print(
        f"\n{study.name}: {counts['completed']} completed, {counts['pruned']} pruned, "
        f"{counts['failed']} failed in {seconds:.0f} s"
    )
    done = [t for t in study.trials(state=["completed", "pruned"]) if t.value is not None]
    done.sort(key=lambda t: t.value, reverse=True)
    names = list(study.data["space"])
    print("\nThe five best trials\n")
    header = ["trial", "val_acc", "state", *names]
    rows = [
        [t.number, f"{t.value:.4f}", t.state, *(fmt(t.params[n]) for n in names)] for t in done[:5]
    ]
    print_table(header, rows)
    best = study.best()
    if best is not None:
        print(f"\nBest configuration (trial {best.number}, validation accuracy {best.value:.4f})\n")
        print_table(["parameter", "value"], [[n, fmt(best.params[n])] for n in names])


def fmt(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def print_table(header: list, rows: list[list]) -> None:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("OPTIMIZER_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--study", default="mlp-digits", help="study name (create or load)")
    parser.add_argument("--trials", type=int, default=40, help="how many trials the study runs")
    parser.add_argument("--workers", type=int, default=4, help="trials run at once")
    parser.add_argument("--processes", action="store_true", help="workers are processes")
    parser.add_argument(
        "--algorithm", default="bayesian", choices=["bayesian", "random", "quasi-random"]
    )
    parser.add_argument("--early-stopping", default="median", choices=sorted(STOPPING))
    parser.add_argument("--max-epochs", type=int, default=30, help="upper bound of epochs")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    code = 0
    with Client(args.url) as client:
        study = client.create_study(
            args.study,
            search_space(args.max_epochs),
            direction="maximize",
            algorithm=args.algorithm,
            max_trials=args.trials,
            seed=args.seed,
            early_stopping=STOPPING[args.early_stopping],
        )
        print(
            f"study {study.name} (id {study.id}) at {args.url}: {args.algorithm}, "
            f"early stopping {args.early_stopping}, {args.workers} workers"
        )
        start = time.monotonic()
        try:
            study.optimize(
                train, n_workers=args.workers, processes=args.processes, show_progress=True
            )
        except KeyboardInterrupt:
            print("\ninterrupted: the running trials are marked failed")
            code = 130
        print_results(study, time.monotonic() - start)
    return code


if __name__ == "__main__":
    sys.exit(main())
