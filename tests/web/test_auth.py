"""The dashboard on a service that requires tokens: it asks for one, then shows what that
token may see; a refused token is asked for again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from optimizer_api.devserver import Gunicorn

from ..conftest import sqlite_url
from .conftest import screenshot, wait_for

SPACE = {"x": {"type": "float", "low": 0, "high": 1}}


def _token(db_url: str, owner: str, role: str) -> str:
    cli = Path(sys.executable).parent / "optimizer-api"
    done = subprocess.run(
        [str(cli), "token", "create", "--owner", owner, "--role", role],
        env={**os.environ, "OPTIMIZER_DB_URL": db_url}, capture_output=True, text=True,
        check=True, timeout=60,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def guarded(tmp_path_factory, browser):
    """gunicorn with OPTIMIZER_AUTH=on, alice's study and bob's, and their tokens."""
    folder = tmp_path_factory.mktemp("auth-web")
    url = sqlite_url(folder / "auth.db")
    tokens = {who: _token(url, who, role) for who, role in
              (("alice", "write"), ("bob", "write"), ("alice-reader", "read"))}
    with Gunicorn(url, workers=2, log_dir=folder, env={"OPTIMIZER_AUTH": "on"}) as server:
        for who in ("alice", "bob"):
            auth = {"Authorization": f"Bearer {tokens[who]}"}
            sid = requests.post(f"{server.url}/v1/studies", headers=auth, timeout=30,
                                json={"name": f"{who}-study", "space": SPACE}).json()["id"]
            for t in requests.post(f"{server.url}/v1/studies/{sid}/suggest", headers=auth,
                                   json={"count": 3}, timeout=30).json()["trials"]:
                requests.post(f"{server.url}/v1/studies/{sid}/observe", headers=auth,
                              json={"trial_id": t["id"], "value": t["params"]["x"]},
                              timeout=30)
        yield server.url, tokens


def test_the_pages_ask_for_a_token_and_show_only_what_it_may_see(browser, guarded, artifacts):
    url, tokens = guarded
    assert requests.get(f"{url}/v1/studies", timeout=30).status_code == 401
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: m.type == "error" and "401" not in m.text
            and errors.append(m.text))
    page.goto("/")
    page.wait_for_selector("#token-dialog[open]")
    screenshot(page, artifacts / "token-dialog.png")
    page.fill("#token-input", "opt_not-a-token")
    page.click("#token-dialog button[type=submit]")
    wait_for(page, "document.getElementById('token-note').textContent.includes('refused')")
    page.fill("#token-input", tokens["alice"])
    page.click("#token-dialog button[type=submit]")
    wait_for(page, "document.querySelectorAll('#studies tbody tr a').length > 0")
    names = page.eval_on_selector_all("#studies tbody tr a", "a => a.map(n => n.textContent)")
    assert names == ["alice-study"]  # bob's study is not alice's to see
    page.click("text=alice-study")
    wait_for(page, """() => { const n = document.getElementById('chart-history');
        const c = n && window.echarts && echarts.getInstanceByDom(n);
        return c && c.getOption().series.some(s => s.data && s.data.length === 3); }""")
    assert not page.is_visible("#token-dialog")  # the tab keeps its token across pages
    context.close()
    assert not errors, errors
