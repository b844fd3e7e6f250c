"""The dashboard of studies of several objectives, in headless Chromium: the Pareto-front
chart (read from ECharts' option) against /pareto and the trials, the objective selects
of a study of three, and the trials table's objective and constraint columns."""

from __future__ import annotations

import math

import numpy as np
import pytest
from optimizer_client import Client

from optimizer_api.analysis.pareto import hypervolume

from .conftest import screenshot, wait_for
from .test_dashboard import OPTION, api, open_study, overlapping_texts, trials_of

pytestmark = pytest.mark.e2e

SPACE = {"width": {"type": "float", "low": 0.0, "high": 1.0},
         "depth": {"type": "int", "low": 1, "high": 8}}
# Per objective history chart: its objective, title, label and {series id: [[x, y], ...]}.
OBJECTIVE_CHARTS = """() => [...document.querySelectorAll('#objective-histories .chart')]
    .map((n) => {
        const o = echarts.getInstanceByDom(n).getOption();
        return {name: n.dataset.objective, title: o.title[0].text,
                label: n.getAttribute('aria-label'),
                series: Object.fromEntries(o.series.map((s) => [s.id,
                    s.data.map((d) => [d[0], d[1]])]))};
    })"""
SERIES_DATA = """(sel) => Object.fromEntries(echarts.getInstanceByDom(document.querySelector(sel))
    .getOption().series.map((s) => [s.id, s.data.map((d) => d.trial ?? null)]))"""


def outcomes(p: dict) -> dict:
    """Error falls with width and depth, latency grows with them; memory grows with both."""
    w, d = p["width"], p["depth"]
    return {"error": round(0.05 + 0.5 * (1 - w) ** 2 + 0.3 / d, 6),
            "latency": round(1 + 8 * w + d + 0.5 * math.sin(7 * w), 6),
            "energy": round(2 + 3 * (w - 0.4) ** 2 + 0.2 * d, 6),
            "memory": round(4 * w + 0.6 * d, 6)}


def seed(server: str, name: str, objectives: list[str], n: int = 36) -> dict:
    directions = {"error": "minimize", "latency": "minimize", "energy": "minimize"}
    with Client(server, timeout=60, retries=3, backoff=0.05) as client:
        study = client.create_study(
            name, SPACE, seed=5, algorithm="quasi-random", max_trials=n + 2,
            objectives=[{"name": o, "direction": directions[o]} for o in objectives],
            constraints=[{"name": "memory", "op": "<=", "bound": 5.0}])
        for i in range(n):
            trial = study.suggest()
            got = outcomes(trial.params)
            if i == 5:
                trial.fail("diverged")
                continue
            trial.complete({o: got[o] for o in objectives}, constraints={"memory": got["memory"]})
        study.suggest()  # one left running
        return study.refresh().data


def test_the_pareto_chart_shows_the_front_dominated_and_infeasible_trials(page, server,
                                                                          artifacts):
    study = seed(server, "two-objectives", ["error", "latency"])
    open_study(page, study["id"])
    wait_for(page, "!document.getElementById('pareto-panel').hidden")
    wait_for(page, f"({SERIES_DATA})('#chart-pareto').front?.length > 0")
    drawn = page.evaluate(f"({SERIES_DATA})('#chart-pareto')")
    trials = trials_of(server, study["id"], state="completed")
    front = api(server, study["id"], "pareto")
    on_front = sorted(t["number"] for t in front["trials"])
    assert sorted(drawn["front"]) == on_front and len(on_front) >= 3
    infeasible = sorted(t["number"] for t in trials if not t["feasible"])
    assert sorted(drawn["infeasible"]) == infeasible and infeasible
    dominated = sorted(t["number"] for t in trials if t["feasible"] and t["number"] not in on_front)
    assert sorted(drawn["dominated"]) == dominated and dominated
    option = page.evaluate(f"({OPTION})('#chart-pareto')")
    by_number = {t["number"]: t for t in trials}
    for series in option["series"]:
        for d in series["data"]:
            if isinstance(d, dict):  # x is the first objective, y the second
                values = by_number[d["trial"]]["values"]
                assert d["value"] == [values["error"], values["latency"]]
    line = next(s for s in option["series"] if s["id"] == "front-line")["data"]
    assert [p[0] for p in line] == sorted(p[0] for p in line) and len(line) == len(on_front)
    assert option["xAxis"][0]["name"].startswith("error") and option["yAxis"][0]["name"].startswith(
        "latency")
    assert page.is_hidden("#pareto-x-box")  # two objectives: nothing to choose
    assert f"{len(on_front)} on the front of {front['n_candidates']}" in page.inner_text(
        "#pareto-shown")
    head = page.inner_text("#trials thead")
    assert "error ↓" in head and "latency ↓" in head and "Feasible" in head
    assert "No one best trial" in page.inner_text("#best")
    screenshot(page, artifacts / "pareto-study.png", full_page=True)
    screenshot(page.locator("#pareto-panel"), artifacts / "pareto.png")
    page.goto("/")  # the list names the objectives instead of one best value
    row = page.locator(f"tr[data-study-id='{study['id']}']")
    row.wait_for()
    assert "Pareto front" in row.inner_text() and "error minimize, latency minimize" in (
        row.inner_text())


def test_three_objectives_choose_the_pair_with_the_selects(page, server, artifacts):
    study = seed(server, "three-objectives", ["error", "latency", "energy"], n=24)
    open_study(page, study["id"])
    wait_for(page, f"({SERIES_DATA})('#chart-pareto').front?.length > 0")
    assert page.is_visible("#pareto-x-box") and page.is_visible("#pareto-y-box")
    page.select_option("#pareto-y", "energy")
    wait_for(page, f"({OPTION})('#chart-pareto').yAxis[0].name.startsWith('energy')")
    option = page.evaluate(f"({OPTION})('#chart-pareto')")
    by_number = {t["number"]: t for t in trials_of(server, study["id"], state="completed")}
    front = next(s for s in option["series"] if s["id"] == "front")["data"]
    for d in front:
        values = by_number[d["trial"]]["values"]
        assert d["value"] == [values["error"], values["energy"]]
    expected = sorted(t["number"] for t in api(server, study["id"], "pareto")["trials"])
    assert sorted(d["trial"] for d in front) == expected  # the front of all three
    line = next(s for s in option["series"] if s["id"] == "front-line")["data"]
    seen = [d["value"] for d in front]  # the line joins those no other beats on these two
    joined = [p for p in seen if not any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in seen)]
    assert sorted(line) == sorted(joined) and [p[0] for p in line] == sorted(p[0] for p in line)
    screenshot(page.locator("#pareto-panel"), artifacts / "pareto-three.png")
    # the history: a chart per objective, the hypervolume of all three as the service's
    titles = [c["title"] for c in page.evaluate(OBJECTIVE_CHARTS)]
    assert titles == ["error ↓ (minimize)", "latency ↓ (minimize)", "energy ↓ (minimize)"]
    gains = page.evaluate(OPTION, "#chart-hypervolume")["series"][1]["data"]
    expected = expected_gains(server, study["id"], ["error", "latency", "energy"])
    assert [g[0] for g in gains] == [n for n, _ in expected]
    assert [g[1] for g in gains] == pytest.approx([hv for _, hv in expected], rel=1e-9)
    screenshot(page.locator("#history-multi").locator("xpath=.."), artifacts / "history-three.png")


def expected_gains(server: str, study_id: int, objectives: list[str]) -> list[tuple[int, float]]:
    """[(trial number, hypervolume)] at each feasible completed trial that grows the
    hypervolume of those before it (up to /pareto's reference point), by the service's own
    arithmetic (analysis/pareto.py; every objective here is minimized)."""
    ref = np.array(api(server, study_id, "pareto")["reference_point"])
    rows = sorted((t for t in trials_of(server, study_id, state="completed") if t["feasible"]),
                  key=lambda t: t["number"])
    out, last = [], 0.0
    for k, t in enumerate(rows):
        Y = np.array([[r["values"][o] for o in objectives] for r in rows[:k + 1]])
        hv = hypervolume(Y, ref)
        if hv > last * (1 + 1e-12):
            out.append((t["number"], hv))
            last = hv
    return out


def test_history_of_two_objectives_is_a_chart_each_and_the_hypervolume_so_far(page, server,
                                                                            artifacts):
    objectives = ["error", "latency"]
    study = seed(server, "two-objective-history", objectives)
    open_study(page, study["id"])
    wait_for(page, f"({OBJECTIVE_CHARTS})().length === 2")
    assert page.is_hidden("#chart-history") and page.is_visible("#chart-hypervolume")
    charts = page.evaluate(OBJECTIVE_CHARTS)
    assert [c["title"] for c in charts] == ["error ↓ (minimize)", "latency ↓ (minimize)"]
    assert charts[0]["label"].startswith("error (minimize)")
    trials = trials_of(server, study["id"])
    done = [t for t in trials if t["state"] == "completed"]
    failed = sorted(t["number"] for t in trials if t["state"] == "failed")
    for chart in charts:
        assert "best" not in chart["series"]  # no best-so-far line: no trial is best
        name, series = chart["name"], chart["series"]
        feasible = sorted([t["number"], t["values"][name]] for t in done if t["feasible"])
        infeasible = sorted([t["number"], t["values"][name]] for t in done if not t["feasible"])
        assert sorted(series["feasible"]) == feasible and feasible
        assert sorted(series["infeasible"]) == infeasible and infeasible
        assert [p[0] for p in series["failed-band"]] == failed == [5]
        selector = f"#objective-histories [data-objective='{name}']"
        assert overlapping_texts(page, selector) == [], name
    option = page.evaluate(OPTION, "#chart-hypervolume")
    gains = next(s for s in option["series"] if s["id"] == "gains")["data"]
    expected = expected_gains(server, study["id"], objectives)
    assert [g[0] for g in gains] == [n for n, _ in expected] and len(expected) >= 3
    assert [g[1] for g in gains] == pytest.approx([hv for _, hv in expected], rel=1e-9)
    front = api(server, study["id"], "pareto")
    assert gains[-1][1] == pytest.approx(front["hypervolume"], rel=1e-9)
    line = next(s for s in option["series"] if s["id"] == "hypervolume")["data"]
    assert line[-1][0] == max(t["number"] for t in trials if t["state"] != "running")
    assert not (close := overlapping_texts(page, "#chart-hypervolume")), close
    # parallel coordinates end with an axis per objective; the slices and importance say
    # which objective they rank by
    parallel = page.evaluate(OPTION, "#chart-parallel")
    assert [a["name"] for a in parallel["parallelAxis"]] == [
        "width", "depth", "error ↓", "latency ↓"]
    by_number = {t["number"]: t for t in done}
    for row in parallel["series"][0]["data"]:
        values = by_number[row["trial"]]["values"]
        assert row["value"][2:] == [values["error"], values["latency"]]
    assert parallel["visualMap"][0]["dimension"] == 2
    assert not (close := overlapping_texts(page, "#chart-parallel")), close
    assert page.inner_text("#slices-what") == "error (the first objective, minimize)"
    assert "by error (minimize), the first objective" in page.inner_text("#importance-how")
    page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('chart-parallel'))
        .dispatchAction({type: 'axisAreaSelect', parallelAxisId: 'axis-1',
                         intervals: [[1, 4]]})""")
    selected = page.inner_text("#parallel-selected")
    assert "trials selected" in selected and "best of them" not in selected
    page.check("#history-log")  # both objectives are above 0: both on a log scale
    wait_for(page, """() => [...document.querySelectorAll('#objective-histories .chart')]
        .every((n) => echarts.getInstanceByDom(n).getOption().yAxis[0].type === 'log')""")
    page.uncheck("#history-log")
    screenshot(page.locator("#history-multi").locator("xpath=.."), artifacts / "history-two.png")
    screenshot(page.locator("#chart-parallel").locator("xpath=../.."),
               artifacts / "parallel-two.png")


def test_hypervolume_curve_of_a_crowded_front_is_thinned_and_still_exact(page):
    """1,500 trials all on the front (a quarter circle; 3 objectives: a sphere's octant):
    the curve is computed after every s-th gain only, says so, and each value it has is
    the service's hypervolume of the trials up to there."""
    page.goto("/")
    for k in (2, 3):
        rng = np.random.default_rng(k)
        Y = np.abs(rng.normal(size=(1500, k)))
        Y /= np.linalg.norm(Y, axis=1, keepdims=True)  # no row dominates another
        ref = [1.1] * k
        names = [f"o{i}" for i in range(k)]
        trials = [{"id": i, "number": i, "state": "completed", "feasible": True,
                   "values": dict(zip(names, map(float, row), strict=True))}
                  for i, row in enumerate(Y)]
        study = {"objectives": [{"name": n, "direction": "minimize"} for n in names]}
        final = hypervolume(Y, np.array(ref))
        got = page.evaluate("""async ([study, trials, ref, final]) => {
            const charts = await import('/assets/js/charts.js');
            const {option, steps} = charts.hypervolumeOption(
                study, trials, {trials: [], reference_point: ref, hypervolume: final});
            return {steps, subtext: option.title.subtext};
        }""", [study, trials, ref, final])
        steps = got["steps"]
        assert 1 < len(steps) < 1500 and steps[-1] == [1499, pytest.approx(final, rel=1e-9)]
        assert f"computed after {len(steps):,} of the 1,500 trials that grew it" in got["subtext"]
        for number, value in steps[:: max(1, len(steps) // 5)]:
            assert value == pytest.approx(hypervolume(Y[:number + 1], np.array(ref)), rel=1e-9)



def test_the_curves_chart_draws_the_objective_the_rule_judges(page, server, artifacts):
    """Trials report error and latency every step; the rule judges latency: the chart
    draws the latency points alone, and its axis says so."""
    with Client(server, timeout=60, retries=3, backoff=0.05) as client:
        study = client.create_study(
            "two-curves", SPACE, seed=5, algorithm="quasi-random", max_trials=6,
            objectives=[{"name": "error", "direction": "minimize"},
                        {"name": "latency", "direction": "minimize"}],
            early_stopping={"rule": "threshold", "bound": 1e9, "objective": "latency"})
        for i in range(4):
            trial = study.suggest()
            for step in range(i + 2):  # trial i: i + 2 points of latency, 3 of error
                trial.report(step, 10.0 + step, objective="latency")
            for step in range(3):
                trial.report(step, 0.5 - 0.1 * step, objective="error")
            trial.complete({"error": 0.3, "latency": 12.0})
    open_study(page, study.id)
    wait_for(page, "echarts.getInstanceByDom(document.getElementById('chart-curves'))"
                   ".getOption().series.length > 1")
    drawn = page.evaluate(OPTION, "#chart-curves")
    points = {s["id"]: len(s["data"]) for s in drawn["series"] if s["id"].startswith("trial-")}
    assert points == {f"trial-{i}": i + 2 for i in range(4)}
    assert drawn["yAxis"][0]["name"] == "latency"
    screenshot(page, artifacts / "two-curves.png")
