"""A study with a conditional space in the dashboard: inactive parameters are blanks in
the table, skipped axes in the parallel plot, left out of their slice; the space panel
says when each parameter is active."""

from __future__ import annotations

import pytest
from optimizer_client import Client

from .conftest import bar_rows, screenshot, wait_for
from .test_dashboard import OPTION, REFRESHES, column, overlapping_texts

pytestmark = pytest.mark.e2e

SPACE = {
    "optimizer": {"type": "categorical", "choices": ["sgd", "adam", "rmsprop"]},
    "momentum": {"type": "float", "low": 0.0, "high": 0.99, "when": {"optimizer": ["sgd"]}},
    "nesterov": {"type": "categorical", "choices": [True, False],
                 "when": {"optimizer": ["sgd"]}},
    "dampening": {"type": "float", "low": 0.0, "high": 0.5, "when": {"nesterov": [True]}},
    "beta1": {"type": "float", "low": 0.8, "high": 0.999, "when": {"optimizer": ["adam"]}},
    "rho": {"type": "float", "low": 0.5, "high": 0.99, "when": {"optimizer": ["rmsprop"]}},
    "lr": {"type": "float", "low": 1e-4, "high": 0.1, "log": True},
}


def configs() -> list[dict]:
    """Twelve results the user chose: sgd with and without nesterov, adam; never rmsprop."""
    out = []
    for i in range(12):
        lr = 10 ** (-4 + 3 * i / 11)
        if i % 3 == 0:
            out.append({"optimizer": "adam", "beta1": 0.8 + 0.015 * i, "lr": lr})
        elif i % 3 == 1:
            out.append({"optimizer": "sgd", "momentum": 0.08 * i, "nesterov": False, "lr": lr})
        else:
            out.append({"optimizer": "sgd", "momentum": 0.07 * i, "nesterov": True,
                        "dampening": 0.04 * i, "lr": lr})
    return out


@pytest.fixture(scope="module")
def conditional(server) -> dict:
    with Client(server, timeout=60) as client:
        study = client.create_study("conditional-optimizers", SPACE, seed=3,
                                    algorithm="bayesian")
        for i, params in enumerate(configs()):
            study.observe(params, round(0.5 + ((i * 7) % 12) / 20, 3))
        return study.refresh().data


def test_conditional_study_page(page, browser, server, conditional, artifacts):
    assert page.goto(f"/studies/{conditional['id']}").status == 200
    wait_for(page, f"{REFRESHES} >= 1")
    whens = column(page, "#space", "r.cells[4].innerText")
    assert whens == ["always", "optimizer is sgd", "optimizer is sgd", "nesterov is true",
                     "optimizer is adam", "optimizer is rmsprop", "always"]

    trials = configs()
    names = list(SPACE)
    parallel = page.evaluate(OPTION, "#chart-parallel")
    rows = [r["value"][:-1] for r in parallel["series"][0]["data"]]
    assert len(rows) == 12
    for row in rows:  # null where inactive: the line skips that axis
        row_active = {n for n, v in zip(names, row, strict=True) if v is not None}
        assert row_active in [set(t) for t in trials]
    assert sum(r[names.index("dampening")] is not None for r in rows) == 4
    # every axis labels its two ends (the range), and no label covers another
    assert overlapping_texts(page, "#chart-parallel") == []
    beta1 = parallel["parallelAxis"][names.index("beta1")]["axisLabel"]["customValues"]
    assert beta1[0] == 0.8 and beta1[-1] == 0.999 and len(beta1) >= 4
    screenshot(page.locator("#chart-parallel"), artifacts / "parallel-conditional.png")

    slices = page.eval_on_selector_all("#slices .slice", """nodes => nodes.map(n => {
        const o = echarts.getInstanceByDom(n).getOption();
        return [n.dataset.param, o.series[0].data.length, o.title[0].subtext];
    })""")
    expected = {n: sum(n in t for t in trials) for n in names}
    assert [(n, k) for n, k, _ in slices] == list(expected.items())
    subtexts = {n: s for n, _, s in slices}
    assert subtexts["rho"] == "inactive so far: needs optimizer is rmsprop"
    assert subtexts["momentum"] == ""
    assert page.inner_text("#slices-empty") == ""

    # the table: a dash where a parameter is inactive
    page.locator("#trials").scroll_into_view_if_needed()
    wait_for(page, "document.querySelectorAll('#trials tbody tr').length >= 10")
    header = column(page, "#trials", "r.innerText")
    assert header and all("\t–" in row or "–" in row for row in header)

    # brushing the momentum axis counts only trials where momentum is active
    page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('chart-parallel'))
        .dispatchAction({type: 'axisAreaSelect', parallelAxisId: 'axis-1',
                         intervals: [[0, 0.99]]})""")
    assert page.inner_text("#parallel-selected").startswith("8 of 12 trials selected")
    shot = artifacts / "study-conditional.png"
    assert page.evaluate("window.scrollY") > 1000  # scrolled to the table
    screenshot(page, shot, full_page=True)
    bar = bar_rows(browser, shot.read_bytes())  # the top bar at the top, not mid-page
    assert 30 <= len(bar) and max(bar) < 60, f"top bar drawn at rows {bar[:3]}...{bar[-3:]}"


HARD_AXES = {
    "a_long_parameter_name_for_the_learning_rate": {"type": "float", "low": 2e-6, "high": 8e-6,
                                                    "log": True},
    "beta2": {"type": "float", "low": 0.99, "high": 0.9999, "log": True},
    "units": {"type": "int", "low": 1, "high": 3},
    "batch": {"type": "int", "low": 1, "high": 1024, "log": True},
    "activation": {"type": "categorical",
                   "choices": [f"act_{i}" for i in range(28)] + ["leaky_relu_with_a_long_slope"]},
    "tiny": {"type": "float", "low": 0.001, "high": 0.0011},
    "shift": {"type": "float", "low": -5.0, "high": -4.99},
}


def test_parallel_axes_label_their_ends_without_overlap(page, server, artifacts):
    """Log axes within a decade or less, narrow ranges, many and long choices, a long
    name: every axis names its range, and no text covers another."""
    with Client(server, timeout=60) as client:
        study = client.create_study("hard-axes", HARD_AXES, seed=11, algorithm="random")
        for i in range(14):
            trial = study.suggest()
            trial.complete(round(1 + (i * 5 % 14) / 7, 3))
    assert page.goto(f"/studies/{study.id}").status == 200
    wait_for(page, f"{REFRESHES} >= 1")
    assert overlapping_texts(page, "#chart-parallel") == []
    axes = page.evaluate(OPTION, "#chart-parallel")["parallelAxis"]
    for axis, (name, spec) in zip(axes, HARD_AXES.items(), strict=False):
        if spec["type"] == "categorical":
            assert axis["axisLabel"]["interval"] >= 1  # 29 choices cannot all be labelled
        else:
            ticks = axis["axisLabel"]["customValues"]
            assert (ticks[0], ticks[-1]) == (spec["low"], spec["high"]), name
            assert len(ticks) >= 3, name
    for node in page.locator("#slices .slice").element_handles():
        selector = f"#slices .slice[data-param='{node.get_attribute('data-param')}']"
        assert overlapping_texts(page, selector) == [], selector
    screenshot(page.locator("#chart-parallel"), artifacts / "parallel-hard-axes.png")
    screenshot(page.locator("#slices"), artifacts / "slices-hard-axes.png")
    page.set_viewport_size({"width": 760, "height": 900})  # a narrow window, reloaded
    page.reload()
    wait_for(page, f"{REFRESHES} >= 1")
    assert not (close := overlapping_texts(page, "#chart-parallel")), close
    screenshot(page.locator("#chart-parallel"), artifacts / "parallel-hard-axes-narrow.png")
