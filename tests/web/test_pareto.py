"""The dashboard of studies of several objectives, in headless Chromium: the Pareto-front
chart (read from ECharts' option) against /pareto and the trials, the objective selects
of a study of three, and the trials table's objective and constraint columns."""

from __future__ import annotations

import math

import pytest
from optimizer_client import Client

from .conftest import screenshot, wait_for
from .test_dashboard import OPTION, api, open_study, trials_of

pytestmark = pytest.mark.e2e

SPACE = {"width": {"type": "float", "low": 0.0, "high": 1.0},
         "depth": {"type": "int", "low": 1, "high": 8}}
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
