"""Summaries of benchmark runs: the tails as well as the median, and paired comparisons.

Per (problem, method): median, upper quartile and worst final regret over seeds, and
wins/ties/losses against a reference method on the same seeds. A tie is two regrets
within 1% of each other, or both below 1e-9 (both at the optimum to rounding).
"""

from __future__ import annotations

import numpy as np

REL_TIE, ABS_TIE = 0.01, 1e-9


def regrets(rows: list[dict], problem: str, method: str) -> dict[int, float]:
    """Final regret by seed."""
    return {
        r["seed"]: r["regret"] for r in rows if r["problem"] == problem and r["method"] == method
    }


def wtl(ours: dict[int, float], ref: dict[int, float]) -> tuple[int, int, int]:
    """(wins, ties, losses) of `ours` against `ref` on the seeds both have."""
    w = t = lo = 0
    for s in sorted(set(ours) & set(ref)):
        a, b = ours[s], ref[s]
        if abs(a - b) <= REL_TIE * max(abs(a), abs(b)) or max(a, b) < ABS_TIE:
            t += 1
        elif a < b:
            w += 1
        else:
            lo += 1
    return w, t, lo


def stats(r: dict[int, float]) -> tuple[float, float, float, int]:
    v = np.array(list(r.values()))
    return float(np.median(v)), float(np.quantile(v, 0.75)), float(v.max()), len(v)


def table(rows: list[dict], problems, methods, ref: str = "optuna_gp") -> str:
    """Markdown: per problem and method, median / upper quartile / worst, W/T/L vs ref."""
    lines = [
        "| problem | method | seeds | median | upper quartile | worst | W/T/L vs " + ref + " |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in problems:
        for m in methods:
            r = regrets(rows, p, m)
            if not r:
                continue
            med, q75, worst, n = stats(r)
            paired = "" if m == ref else "/".join(map(str, wtl(r, regrets(rows, p, ref))))
            lines.append(f"| {p} | {m} | {n} | {med:.3g} | {q75:.3g} | {worst:.3g} | {paired} |")
    return "\n".join(lines) + "\n"


def average_rank(rows: list[dict], problems, methods) -> dict[str, float]:
    """Each method's rank by median regret, averaged over problems (ties share a rank)."""
    ranks: dict[str, list[int]] = {m: [] for m in methods}
    for p in problems:
        med = {m: np.median(list(regrets(rows, p, m).values()) or [np.inf]) for m in methods}
        for m in methods:
            ranks[m].append(1 + sum(med[o] < med[m] for o in methods))
    return {m: float(np.mean(v)) for m, v in ranks.items()}


RESOLUTION = 1e-3  # a thousandth of every range: closer than this, two points of one batch
# are the same experiment (a differing int or category is >= 1 / range or 1 apart)


def batch_table(rows: list[dict], seq: list[dict], problems, methods) -> str:
    """Batch runs against each method's own sequential runs (same budget), and how close
    two points of one batch came (unit-cube distance; a differing category counts 1)."""
    lines = [
        "| problem | method | seeds | median | upper quartile | worst | W/T/L vs optuna_gp "
        "| sequential median (seeds) | batch / sequential | closest pair | median run's "
        "closest | batches closer than 1e-3 | closer than 1e-2 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in problems:
        for m in methods:
            b = regrets(rows, p, m)
            if not b:
                continue
            s = regrets(seq, p, m)
            med, q75, worst, n = stats(b)
            sm = float(np.median(list(s.values()))) if s else float("nan")
            runs = [r for r in rows if r["problem"] == p and r["method"] == m]
            close = [c for r in runs for c in r["closest"]]
            per_run = np.median([min(r["closest"]) for r in runs])
            paired = (
                ""
                if m == "optuna_gp"
                else "/".join(map(str, wtl(b, regrets(rows, p, "optuna_gp"))))
            )
            lines.append(
                f"| {p} | {m} | {n} | {med:.3g} | {q75:.3g} | {worst:.3g} | {paired} | "
                f"{sm:.3g} ({len(s)}) | {med / sm:.2g} | {min(close):.2g} | {per_run:.2g} | "
                f"{sum(c < RESOLUTION for c in close)} of {len(close)} | "
                f"{sum(c < 1e-2 for c in close)} of {len(close)} |"
            )
    return "\n".join(lines) + "\n"


def at(row: dict, n: int, optimum: float) -> float:
    """Simple regret after the first n trials of a run (a noisy run's: the noiseless value
    of the trial with the best observed value, as gp_runs.true_regrets)."""
    if "true_values" in row:
        return row["true_values"][int(np.argmin(row["values"][:n]))] - optimum
    return float(np.min(row["values"][:n])) - optimum


def checkpoint_table(rows, problems, methods, checkpoints, optimum, ref: str) -> str:
    """Per problem and method, median (worst) regret after each checkpoint's trials, and
    wins/ties/losses against `ref` at the last checkpoint."""
    head = " | ".join(f"n = {c}: median (worst)" for c in checkpoints)
    lines = [
        f"| problem | method | seeds | {head} | W/T/L vs {ref} at n = {checkpoints[-1]} |",
        "|---|---|---|" + "---|" * len(checkpoints) + "---|",
    ]
    for p in problems:
        for m in methods:
            runs = [r for r in rows if r["problem"] == p and r["method"] == m]
            if not runs:
                continue
            cells = []
            for c in checkpoints:
                v = [at(r, c, optimum[p]) for r in runs]
                cells.append(f"{np.median(v):.3g} ({max(v):.3g})")
            last = {r["seed"]: at(r, checkpoints[-1], optimum[p]) for r in runs}
            ref_last = {
                r["seed"]: at(r, checkpoints[-1], optimum[p])
                for r in rows
                if r["problem"] == p and r["method"] == ref
            }
            paired = "" if m == ref else "/".join(map(str, wtl(last, ref_last)))
            lines.append(f"| {p} | {m} | {len(runs)} | " + " | ".join(cells) + f" | {paired} |")
    return "\n".join(lines) + "\n"


def ask_seconds_table(rows, problems, methods, windows) -> str:
    """Median seconds per suggestion (one ask of one trial) over the asks whose trial
    number falls in each window [lo, hi), over every run of the problem and method."""
    lines = [
        "| problem | window | " + " | ".join(methods) + " |",
        "|---|---|" + "---|" * len(methods),
    ]
    for p in problems:
        for lo, hi in windows:
            cells = []
            for m in methods:
                s = [
                    a
                    for r in rows
                    if (r["problem"], r["method"]) == (p, m)
                    for a in r.get("ask_seconds", [])[lo:hi]
                ]
                cells.append(f"{np.median(s):.3f}" if s else "")
            if any(cells):
                lines.append(f"| {p} | trials {lo}-{hi - 1} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def seconds_table(rows: list[dict], problems, methods) -> str:
    lines = ["| problem | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    for p in problems:
        cells = []
        for m in methods:
            s = [
                r["seconds"] / len(r["values"])
                for r in rows
                if (r["problem"], r["method"]) == (p, m)
            ]
            cells.append(f"{np.median(s):.3f}" if s else "")
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def noisy_table(rows: list[dict], problems, methods) -> str:
    """Noisy problems: the regret (noiseless) of the trial picked by its observed value,
    of the best trial the run evaluated, and the best observed value's own regret (noise
    included: how much the noise flatters the pick), median (worst) over seeds."""
    keys = ("regret", "regret_any", "regret_observed")
    lines = [
        "| problem | method | seeds | picked, true: median (worst) | best of all trials, "
        "true | best observed, as observed |",
        "|---|---|---|---|---|---|",
    ]
    for p in problems:
        for m in methods:
            runs = [r for r in rows if (r["problem"], r["method"]) == (p, m) and keys[1] in r]
            if not runs:
                continue
            cells = [
                f"{np.median([r[k] for r in runs]):.3g} ({max(r[k] for r in runs):.3g})"
                for k in keys
            ]
            lines.append(f"| {p} | {m} | {len(runs)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
