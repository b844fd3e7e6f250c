"""The dashboard in headless Chromium: what a person sees, read from the page and the charts.

Chart contents are read from ECharts' own option (getOption()), not from pixels.
"""

from __future__ import annotations

import csv
import json
import re

import pytest
import requests
from optimizer_client import Client

from .conftest import screenshot, wait_for
from .seed import seed_empty

pytestmark = pytest.mark.e2e

# {series id: number of points} of the chart drawn in the element matching the selector.
SERIES = """(sel) => Object.fromEntries(echarts.getInstanceByDom(document.querySelector(sel))
    .getOption().series.map((s) => [s.id, s.data.length]))"""
HISTORY_POINTS = """() => echarts.getInstanceByDom(document.getElementById('chart-history'))
    .getOption().series.filter((s) => s.type === 'scatter')
    .reduce((n, s) => n + s.data.length, 0)"""
OPTION = "(sel) => echarts.getInstanceByDom(document.querySelector(sel)).getOption()"
CURVE_POINTS = """((id) => echarts.getInstanceByDom(document.getElementById('chart-curves'))
    .getOption().series.find((s) => s.id === id)?.data.length)"""
REFRESHES = "Number(document.getElementById('study').dataset.refreshes || 0)"
# Every line of text ECharts drew in the chart matching the selector (labels hidden for
# overlap left out): its string and its box in the chart's pixels, from zrender's list of
# what it paints.
TEXTS = """(sel) => echarts.getInstanceByDom(document.querySelector(sel)).getZr().storage
    .getDisplayList(true)
    .filter((el) => el.type === 'tspan' && el.style.text && el.style.opacity !== 0)
    .map((el) => {
        const r = el.getBoundingRect().clone();
        r.applyTransform(el.getComputedTransform());
        // zrender's own height is a guess from one glyph's width; the font's size is not.
        const h = Math.max(r.height, Number(/(\\d+)px/.exec(el.style.font)?.[1] || 12));
        return {text: String(el.style.text), x: r.x, y: r.y + r.height / 2 - h / 2,
                w: r.width, h};
    })"""


def overlapping_texts(page, selector: str, gap: float = 6.0) -> list[tuple[str, str]]:
    """The pairs of texts drawn in a chart that come closer than `gap` px both ways (a
    tick label on or against another, a name on a label: the 12 px labels 0.8 and 0.81
    drawn 16 px apart are 4 px apart); a text cut by the chart's edge is paired with
    "the edge"."""
    boxes = page.evaluate(TEXTS, selector)
    assert boxes, f"no text drawn in {selector}"
    width, height = page.eval_on_selector(selector, "n => [n.clientWidth, n.clientHeight]")
    cut = [(b["text"], "the edge") for b in boxes if b["x"] < -1 or b["y"] < -1
           or b["x"] + b["w"] > width + 1 or b["y"] + b["h"] > height + 1]
    return cut + [(a["text"], b["text"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                  if min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]) > -gap
                  and min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]) > -gap]


def column(page, table: str, read: str = "Number(r.dataset.studyId)") -> list:
    """One value per body row of a table, as `read` (JS, the row is `r`) gives it."""
    return page.eval_on_selector_all(f"{table} tbody tr", f"rows => rows.map(r => {read})")


def trials_of(server: str, study_id: int, **query) -> list[dict]:
    return api(server, study_id, "trials", limit=1000, **query)["trials"]


def api(server: str, study_id: int, route: str, **query) -> dict:
    """GET /v1/studies/<id>/<route> as JSON."""
    url = f"{server}/v1/studies/{study_id}/{route}"
    answer = requests.get(url, params=query, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def open_study(page, study_id: int) -> None:
    response = page.goto(f"/studies/{study_id}")
    assert response.status == 200
    wait_for(page, f"{REFRESHES} >= 1")


def by_state(trials: list[dict], state: str) -> list[dict]:
    return [t for t in trials if t["state"] == state]


# -- the list --------------------------------------------------------------------------
def test_list_shows_every_study_newest_first_and_filters(page, server, demo, artifacts):
    empty = seed_empty(server, name="list-filter-probe")
    page.goto("/")
    page.wait_for_selector(f"tr[data-study-id='{demo['id']}']")
    ids = column(page, "#studies")
    assert ids.index(empty["id"]) < ids.index(demo["id"])  # newest first
    row = page.locator(f"tr[data-study-id='{demo['id']}']")
    text = row.inner_text()
    counts = demo["trial_counts"]
    for state in ("completed", "pruned", "failed", "running"):
        assert f"{counts[state]} {state}" in text
    assert "bayesian" in text and "running" in text
    assert f"{demo['best_trial']['value']:.6g}" in text
    assert row.locator("a").get_attribute("href") == f"/studies/{demo['id']}"
    activity = row.locator("td.activity")
    assert re.fullmatch(r"\d+ (s|min( \d+ s)?) ago", activity.inner_text())
    assert activity.get_attribute("title").startswith(demo["last_activity_at"][:4])
    assert page.inner_text("#studies thead").split("\t")[-1].strip() == "Last activity"
    screenshot(page, artifacts / "list.png", full_page=True)

    page.fill("#filter-name", "FILTER-PROBE")  # case-insensitive part of a name
    assert column(page, "#studies") == [empty["id"]]
    assert "filter-probe" in page.url.lower()  # the filter is in the URL
    page.fill("#filter-name", "")
    page.select_option("#filter-status", "completed")
    assert "No study matches" in page.inner_text("#studies tbody")


# -- the study page ----------------------------------------------------------------------
def test_study_page_header_and_every_chart_hold_the_studys_trials(page, server, demo, artifacts):
    open_study(page, demo["id"])
    trials = trials_of(server, demo["id"])
    completed, pruned = by_state(trials, "completed"), by_state(trials, "pruned")
    assert completed and pruned and by_state(trials, "failed") and by_state(trials, "running")

    assert page.inner_text("#study-name") == "mlp-digits"
    assert page.inner_text("#study-status") == "running"
    counts = page.inner_text("#counts")
    for state, n in demo["trial_counts"].items():
        assert f"{n} {state}" in counts.replace("\n", " ")
    definition = page.inner_text("#definition")
    assert "bayesian: n_initial=8" in definition and "median" in definition
    assert page.locator("#space tbody tr").count() == 4

    history = page.evaluate(SERIES, "#chart-history")
    assert history == {"completed": len(completed), "pruned": len(pruned), "best": len(completed),
                       "failed": len(by_state(trials, "failed"))}
    assert page.evaluate(HISTORY_POINTS) == len(api(server, demo["id"], "history")["trials"])
    best_line = page.evaluate(OPTION, "#chart-history")["series"][2]["data"]
    assert best_line[-1][1] == demo["best_trial"]["value"]
    assert page.inner_text("#history-shown") == ""  # every finished trial: no sample

    curves = page.evaluate(SERIES, "#chart-curves")
    with_curves = [t for t in trials if t["intermediate_values"]]
    assert len(with_curves) == api(server, demo["id"], "curves")["total"]
    assert {k: v for k, v in curves.items() if k.startswith("trial-")} == {
        f"trial-{t['number']}": len(t["intermediate_values"]) for t in with_curves}
    assert curves["pruned-stops"] == len(pruned)

    assert page.evaluate(SERIES, "#chart-parallel") == {"trials": len(completed)}
    axes = page.evaluate(OPTION, "#chart-parallel")["parallelAxis"]
    assert [(a["name"], a["type"]) for a in axes] == [
        ("learning_rate", "log"), ("layers", "value"), ("optimizer", "category"),
        ("dropout", "value"), ("value", "value")]
    assert axes[2]["data"] == ["adam", "sgd", "rmsprop"]
    assert overlapping_texts(page, "#chart-parallel") == []

    slices = page.eval_on_selector_all("#slices .slice", """nodes => nodes.map(n =>
        [n.dataset.param, echarts.getInstanceByDom(n).getOption().series[0].data.length])""")
    assert slices == [[name, len(completed)] for name in demo["space"]]
    for selector in ("#chart-history", "#chart-curves", "#chart-parallel", "#chart-importance"):
        assert page.locator(selector).locator("xpath=..").locator(".chart-empty").is_hidden()
    screenshot(page, artifacts / "study.png", full_page=True)
    page.locator("#importance-panel").scroll_into_view_if_needed()
    screenshot(page, artifacts / "study-lower.png")  # importance, running, the table
    page.click("#definition-panel summary")  # folded: the README's picture (docs/dashboard.png)
    bottom = page.evaluate("""() => window.scrollY + document.getElementById('chart-parallel')
        .closest('.panel').getBoundingClientRect().bottom""")  # down to the parallel panel
    screenshot(page, artifacts / "study-overview.png", full_page=True,
               clip={"x": 0, "y": 0, "width": 1280, "height": round(bottom) + 16})


def test_history_log_scale_and_hiding_pruned_curves(page, server, demo):
    open_study(page, demo["id"])
    page.check("#history-log")
    assert page.evaluate(OPTION, "#chart-history")["yAxis"][0]["type"] == "log"
    page.uncheck("#curves-pruned")
    curves = page.evaluate(SERIES, "#chart-curves")
    pruned = {f"trial-{t['number']}" for t in by_state(trials_of(server, demo["id"]), "pruned")}
    assert not pruned & set(curves) and curves["pruned-stops"] == 0


def test_brushing_a_parallel_axis_counts_the_trials_in_range(page, server, demo):
    open_study(page, demo["id"])
    values = sorted(t["value"] for t in by_state(trials_of(server, demo["id"]), "completed"))
    cut = values[len(values) // 2]
    page.evaluate("""(cut) => echarts.getInstanceByDom(document.getElementById('chart-parallel'))
        .dispatchAction({type: 'axisAreaSelect', parallelAxisId: 'axis-4',
                         intervals: [[0, cut]]})""", cut)
    inside = [v for v in values if v <= cut]
    best = demo["best_trial"]["number"]
    assert page.inner_text("#parallel-selected").startswith(
        f"{len(inside)} of {len(values)} trials selected; best of them: trial {best}")


def test_table_pages_and_filters_by_state_on_the_server(page, server, demo):
    open_study(page, demo["id"])
    total = sum(demo["trial_counts"].values())
    number = "Number(r.cells[0].textContent)"
    first = column(page, "#trials", number)
    assert first == list(range(total - 1, total - 21, -1))  # newest first, 20 a page
    assert page.inner_text("#trials-range") == f"1–20 of {total}"
    page.click("#trials-next")
    wait_for(page, "document.getElementById('trials-range').textContent.startsWith('21')")
    assert column(page, "#trials", number) == list(range(total - 21, -1, -1))
    assert page.is_disabled("#trials-next")

    pruned = [t["number"] for t in by_state(trials_of(server, demo["id"]), "pruned")]
    page.select_option("#trials-state", "pruned")
    wait_for(page, "document.getElementById('trials-range').textContent.includes('pruned')")
    assert column(page, "#trials", "r.dataset.state") == ["pruned"] * len(pruned)
    assert column(page, "#trials", number) == sorted(pruned, reverse=True)

    page.select_option("#trials-state", "")
    page.click("#trials th[data-key='param:layers']")  # the API cannot sort by it: this page
    wait_for(page, "document.getElementById('trials-sort-note').textContent !== ''")
    layers = column(page, "#trials", "Number(r.cells[4].textContent)")
    assert layers == sorted(layers)


def test_table_sorts_by_value_on_the_server(page, server, demo):
    open_study(page, demo["id"])
    valued = sorted(t["value"] for t in trials_of(server, demo["id"]) if t["value"] is not None)
    value = "r.cells[2].textContent"

    def shown():
        return pytest.approx([float(v) for v in column(page, "#trials", value)], rel=1e-5)
    page.click("#trials th[data-key='value']")  # minimize: the best (lowest) first
    wait_for(page, "document.querySelector('#trials th.asc')?.dataset.key === 'value'")
    wait_for(page, f"document.querySelector('#trials tbody td:nth-child(3)')"
                           f".textContent === '{valued[0]:.6g}'")
    assert valued[:20] == shown()
    assert page.inner_text("#trials-sort-note") == ""  # every trial, not this page
    page.click("#trials th[data-key='value']")
    wait_for(page, "document.querySelector('#trials th.desc')?.dataset.key === 'value'")
    wait_for(page, f"document.querySelector('#trials tbody td:nth-child(3)')"
                           f".textContent === '{valued[-1]:.6g}'")
    assert valued[::-1][:20] == shown()
    page.click("#trials-next")  # the last page: the trials without a value
    wait_for(page, "document.getElementById('trials-range').textContent.startsWith('21')")
    assert column(page, "#trials", value)[-1] == "–"


def set_filter(page, fields: dict[str, str], choices: dict[str, list[str]] = {}) -> None:  # noqa: B006
    """Type ranges into the table's parameter filter and pick choices, as a person would."""
    page.click("#trials-filter-box summary")
    for selector, text in fields.items():
        page.fill(f"#trials-params input[aria-label='{selector}']", text)
    for name, picked in choices.items():
        page.select_option(f"#trials-params select[data-param='{name}']", label=picked)


def test_table_filters_by_parameter_ranges_on_the_server_and_downloads_them(page, server, demo):
    open_study(page, demo["id"])
    total = sum(demo["trial_counts"].values())
    assert page.inner_text("#trials-range") == f"1–20 of {total}"
    wanted = {"learning_rate": {"min": 0.001, "max": 0.03}, "optimizer": {"in": ["adam"]}}
    expected = api(server, demo["id"], "trials", params=json.dumps(wanted), sort="-number")
    assert 0 < expected["total"] < total
    set_filter(page, {"learning_rate min": "0.001", "learning_rate max": "0.03"},
               {"optimizer": ["adam"]})
    wait_for(page, "document.getElementById('trials-range').textContent.includes('with')")
    assert page.inner_text("#trials-range") == (
        f"1–{expected['total']} of {expected['total']} "
        "with learning_rate 0.001 to 0.03, optimizer adam")
    assert column(page, "#trials", "Number(r.dataset.trialId)") == [
        t["id"] for t in expected["trials"]]
    assert page.inner_text("#trials-filter-count") == "(2)"

    with page.expect_response(lambda r: "text/csv" in r.request.headers.get("accept", "")) as ask:
        with page.expect_download() as download:
            page.click("#trials-csv")
    assert ask.value.headers["content-type"].startswith("text/csv")
    with open(download.value.path(), newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == expected["total"]
    assert {r["params_optimizer"] for r in rows} == {"adam"}
    assert download.value.suggested_filename == f"study-{demo['id']}-trials.csv"

    page.click("#trials-clear")
    wait_for(page, f"document.getElementById('trials-range').textContent === "
                           f"'1–20 of {total}'")


def test_brushing_a_parameter_can_filter_the_table(page, server, demo):
    open_study(page, demo["id"])
    assert page.is_hidden("#parallel-filter")
    page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('chart-parallel'))
        .dispatchAction({type: 'axisAreaSelect', parallelAxisId: 'axis-1',
                         intervals: [[1.5, 3]]})""")
    page.click("#parallel-filter")  # layers 2 to 3
    wait_for(page, "document.getElementById('trials-range').textContent.includes('with')")
    assert page.input_value("#trials-params input[aria-label='layers min']") == "2"
    expected = api(server, demo["id"], "trials", params='{"layers": {"min": 2, "max": 3}}')
    assert page.inner_text("#trials-range").endswith(
        f"of {expected['total']} with layers 2 to 3")
    assert set(column(page, "#trials", "Number(r.cells[4].textContent)")) <= {2, 3}


def test_importance_panel_shows_the_shares_largest_first(page, server, demo):
    open_study(page, demo["id"])
    answer = api(server, demo["id"], "importance")
    ranked = sorted(answer["importances"].items(), key=lambda kv: -kv[1])
    option = page.evaluate(OPTION, "#chart-importance")
    assert option["yAxis"][0]["inverse"] is True  # the first category on top
    assert option["yAxis"][0]["data"] == [name for name, _ in ranked]
    assert option["series"][0]["data"] == pytest.approx([share for _, share in ranked])
    assert ranked[0][0] == "learning_rate"  # the loss in seed.py depends on it most
    how = page.inner_text("#importance-how")
    assert f"all {answer['n_trials']} completed trials" in how and "by minimize" in how


def test_a_row_opens_the_trial_with_its_curve_and_the_models_why(page, server, demo, artifacts):
    open_study(page, demo["id"])
    trials = trials_of(server, demo["id"])
    modelled = next(t for t in reversed(by_state(trials, "completed"))
                    if (t["info"] or {}).get("source") == "model")
    page.click(f"#trials tr[data-trial-id='{modelled['id']}']")
    title = f"Trial {modelled['number']}"
    wait_for(page, f"document.getElementById('trial-title').textContent === '{title}'")
    fields = page.inner_text("#trial-fields")
    assert "completed" in fields and modelled["worker_id"] in fields
    assert page.locator("#trial-params tr").count() == 4
    info = page.inner_text("#trial-info")
    assert "predicted_mean" in info and "predicted_std" in info and "acquisition.value" in info
    assert page.evaluate(SERIES, "#chart-trial") == {"curve": len(modelled["intermediate_values"])}
    screenshot(page, artifacts / "trial.png")
    page.keyboard.press("Escape")
    assert page.is_hidden("#trial-detail")


def test_running_trials_show_their_workers_and_lease_age(page, server, demo):
    open_study(page, demo["id"])
    running = by_state(trials_of(server, demo["id"]), "running")
    rows = page.locator("#running tbody tr")
    assert rows.count() == len(running)
    for i, trial in enumerate(sorted(running, key=lambda t: t["number"])):
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert cells[0] == str(trial["number"]) and cells[1] == trial["worker_id"]
        assert re.fullmatch(r"\d+ s|\d+ min( \d+ s)?", cells[3])  # lease age
        assert re.fullmatch(r"\d+ min( \d+ s)?", cells[4])  # expires in (10 min lease)


def test_a_trial_reported_while_the_page_is_open_appears_without_reload(page, server):
    space = {"x": {"type": "float", "low": -1, "high": 1}}
    with Client(server, timeout=30) as client:
        study = client.create_study("live-updates", space, seed=3)
        for _ in range(2):
            study.suggest().complete(0.5)
        open_study(page, study.id)
        assert page.evaluate(SERIES, "#chart-history")["completed"] == 2
        before = page.evaluate(REFRESHES)
        trial = study.suggest(worker_id="late-worker")
        trial.report(1, 0.3)
        wait_for(page, f"{CURVE_POINTS}('trial-2') === 1", timeout=15_000)
        trial.report(2, 0.28)  # no count changes: the running trials, polled, carry it
        wait_for(page, f"{CURVE_POINTS}('trial-2') === 2", timeout=15_000)
        trial.complete(0.25)
    wait_for(page,
        """() => echarts.getInstanceByDom(document.getElementById('chart-history'))
            .getOption().series[0].data.length === 3""", timeout=15_000)
    wait_for(page, f"{REFRESHES} > {before}")  # the same page, refreshed by polling
    wait_for(page, "document.querySelector('#trials tbody td').textContent === '2'")
    assert "0.25" in page.inner_text("#best")
    assert page.evaluate(SERIES, "#chart-curves")["trial-2"] == 2


# -- bad input -----------------------------------------------------------------------------
def test_markup_in_names_and_choices_is_shown_as_text(page, server):
    hostile = '<img src=x onerror="window.pwned=1">'
    space = {f"<b>{hostile}</b>": {"type": "categorical", "choices": [hostile, "plain"]}}
    with Client(server, timeout=30) as client:
        study = client.create_study(f"<i>{hostile}</i>", space, seed=5)
        study.suggest().complete(1.0)
    open_study(page, study.id)
    assert page.inner_text("#study-name") == f"<i>{hostile}</i>"
    slice_ = page.locator("#slices .slice").first.element_handle()
    page.evaluate("""(node) => echarts.getInstanceByDom(node)
        .dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 0})""", slice_)
    wait_for(page, "document.body.innerText.includes('onerror')")  # the tooltip, as text
    page.wait_for_timeout(200)  # an injected image would have failed to load by now
    assert page.evaluate("window.pwned") is None
    page.goto("/")
    page.wait_for_selector(f"tr[data-study-id='{study.id}']")
    assert page.evaluate("window.pwned") is None


def test_unknown_study_gives_a_page_that_says_so(page):
    response = page.goto("/studies/987654")
    assert response.status == 404
    assert "There is no study with id 987654" in page.inner_text("main")
    # Chromium logs the document's own 404 status; nothing else may be logged.
    page.console_errors[:] = [e for e in page.console_errors if "/studies/987654" not in e]


def test_study_without_finished_trials_shows_why_the_charts_are_empty(page, server, artifacts):
    empty = seed_empty(server, name="nothing-finished")
    open_study(page, empty["id"])
    notes = {sel: page.locator(sel).locator("xpath=..").locator(".chart-empty")
             for sel in ("#chart-history", "#chart-curves", "#chart-parallel")}
    assert "No trial has finished yet" in notes["#chart-history"].inner_text()
    assert "No trial has reported an intermediate value" in notes["#chart-curves"].inner_text()
    assert "No completed trial yet" in notes["#chart-parallel"].inner_text()
    assert "No completed trial yet" in page.inner_text("#slices-empty")
    assert "No completed trial yet" in page.inner_text("#best")
    assert page.evaluate(SERIES, "#chart-parallel") == {"trials": 0}
    assert page.locator("#running tbody tr").count() == 1
    assert "Needs at least 2 completed trials (0 so far)" in page.inner_text(
        "#importance-panel .chart-empty")
    assert page.evaluate(SERIES, "#chart-importance") == {"importance": 0}  # no bars behind it
    screenshot(page, artifacts / "study-empty.png", full_page=True)


def test_the_definition_links_the_studies_it_warm_starts_from(page, server):
    parent = seed_empty(server, name="warm-parent")
    with Client(server) as client:
        child = client.create_study("warm-child", {"x": {"type": "float", "low": 0, "high": 1}},
                                    algorithm="bayesian",
                                    warm_start={"studies": [parent["id"]]})
    open_study(page, child.id)
    wait_for(page, "document.querySelectorAll('#definition .warm-start a').length === 1")
    link = page.locator("#definition .warm-start a")
    assert link.inner_text() == f"study {parent['id']}"
    assert link.get_attribute("href") == f"/studies/{parent['id']}"
    open_study(page, parent["id"])
    assert "Warm start from\nnone" in page.inner_text("#definition")


def test_a_big_study_opens_with_sampled_charts(page, server, store_url, artifacts):
    from benchmarks.seed_study import seed

    study_id = seed(store_url, 3000, "big-study")  # straight into the store gunicorn serves
    open_study(page, study_id)
    history = api(server, study_id, "history")
    shown, total = len(history["trials"]), history["total"]
    assert shown == 2000 < total
    assert page.evaluate(HISTORY_POINTS) == shown
    assert page.inner_text("#history-shown").startswith(
        f"2,000 of {total:,} finished trials shown")
    curves = api(server, study_id, "curves")
    assert page.inner_text("#curves-shown").startswith(f"100 of {curves['total']:,} trials")
    completed = sum(t["state"] == "completed" for t in history["trials"])
    assert page.evaluate(SERIES, "#chart-parallel") == {"trials": completed}
    running = requests.get(f"{server}/v1/studies/{study_id}", timeout=10).json()["trial_counts"]
    assert page.locator("#running tbody tr").count() == min(100, running["running"])
    screenshot(page, artifacts / "study-big.png", full_page=True)


def test_docs_page_renders_the_contract_with_the_vendored_redoc(page):
    page.goto("/docs")
    page.wait_for_selector("text=Create a study, or load the one with the same name")
    assert "optimizer-api" in page.inner_text("#redoc h1")


def test_description_metadata_queued_trials_and_user_attrs_are_shown(page, server, artifacts):
    with Client(server, timeout=60) as client:
        study = client.create_study("with-notes", {"x": {"type": "float", "low": 0, "high": 1}},
                                    description="Sweep for the v2 model.",
                                    metadata={"team": "vision", "ticket": 42})
        trial = study.suggest()
        trial.complete(0.3, user_attrs={"checkpoint": "s3://models/7", "gpu": {"kind": "a100"}})
        study.enqueue({"x": 0.5})
    open_study(page, study.id)
    assert page.inner_text("#study-description") == "Sweep for the v2 model."
    notes = page.inner_text("#study-metadata")
    assert "team" in notes and "vision" in notes and "42" in notes
    assert "1 queued" in page.inner_text("#counts").replace("\n", " ")
    page.click(f"#trials tr[data-trial-id='{trial.id}']")
    wait_for(page, f"document.getElementById('trial-title').textContent === "
                   f"'Trial {trial.number}'")
    attrs = page.inner_text("#trial-user-attrs")
    assert "s3://models/7" in attrs and "gpu.kind" in attrs and "a100" in attrs
    screenshot(page, artifacts / "study-notes.png", full_page=True)
    with Client(server, timeout=60) as client:  # a PATCH shows at the next refresh
        client.get_study(study.id).update(description="Renamed sweep.")
    wait_for(page, "document.getElementById('study-description').textContent === "
                   "'Renamed sweep.'")
