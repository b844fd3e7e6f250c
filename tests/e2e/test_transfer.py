"""Export and import end to end: the client moves a study between two servers (SQLite
and PostgreSQL); the CLI does it between the two databases; bad documents are 422s."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from optimizer_client import Client, ConflictError

from ..conftest import sqlite_url
from ..contract import checked_session

SPACE = {"x": {"type": "float", "low": 0, "high": 1},
         "opt": {"type": "categorical", "choices": ["adam", "sgd"]}}


def run_some(study) -> None:
    for i in range(6):
        trial = study.suggest()
        trial.report(0, 0.5 + i)
        if i % 3 == 2:
            trial.fail("diverged")
        else:
            trial.complete(trial.params["x"], user_attrs={"i": i})
    study.suggest()  # one left running
    study.enqueue({"opt": "sgd"})


@pytest.mark.e2e
@pytest.mark.postgres
def test_the_client_moves_a_study_from_sqlite_to_postgresql_exactly(
    gunicorn_factory, tmp_path, pg_url
):
    lite = gunicorn_factory(sqlite_url(tmp_path / "lite.db"), workers=2)
    pg = gunicorn_factory(pg_url, workers=2)
    with Client(lite.url, timeout=60) as a, Client(pg.url, timeout=60) as b:
        study = a.create_study("moving", SPACE, algorithm="bayesian", max_trials=20,
                               description="to share", metadata={"paper": "fig. 3"})
        run_some(study)
        doc = study.export()
        moved = b.import_study(doc)
        assert moved.name == "moving" and moved.metadata == {"paper": "fig. 3"}
        assert moved.export() == doc
        with pytest.raises(ConflictError):
            b.import_study(doc)
        copy = b.import_study(doc, name="moving-copy")
        assert copy.name == "moving-copy" and copy.data["trial_counts"] == moved.data[
            "trial_counts"]
    s = checked_session()  # the wire shapes, as openapi.yaml has them
    assert s.get(f"{pg.url}/v1/studies/{moved.id}/export").status_code == 200
    bad = dict(doc, version=9)
    r = s.post(f"{pg.url}/v1/studies/import?name=other", json=bad)
    assert r.status_code == 422 and "version" in r.json()["errors"]
    bad = json.loads(json.dumps(doc))
    bad["trials"][1]["params"]["x"] = 5
    r = s.post(f"{pg.url}/v1/studies/import?name=other", json=bad)
    assert r.status_code == 422 and "trials[1].params.x" in r.json()["errors"]
    assert [x["name"] for x in s.get(f"{pg.url}/v1/studies").json()["studies"]] == [
        "moving", "moving-copy"]


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer_api.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.e2e
@pytest.mark.postgres
def test_the_cli_exports_from_sqlite_and_imports_into_postgresql(
    live_server, tmp_path, pg_url
):
    with Client(live_server, timeout=60) as client:
        study = client.create_study("cli-move", SPACE, seed=5)
        run_some(study)
        doc = study.export()
    source = sqlite_url(tmp_path / "source.db")  # the study into a SQLite file first
    path = tmp_path / "study.json"
    path.write_text(json.dumps(doc))
    done = cli("import", str(path), "--database-url", source)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "again.json"
    done = cli("export", "1", "-o", str(out), "--database-url", source)
    assert done.returncode == 0, done.stderr
    exported = json.loads(out.read_text())
    assert exported == doc
    done = cli("import", "-", "--database-url", pg_url, "--name", "cli-pg", stdin=out.read_text())
    assert done.returncode == 0 and "cli-pg" in done.stdout, done.stderr
    done = cli("export", "1", "--database-url", pg_url)
    moved = json.loads(done.stdout)
    assert moved["trials"] == doc["trials"] and moved["study"]["name"] == "cli-pg"
    done = cli("import", str(path), "--database-url", pg_url, "--name", "cli-pg")
    assert done.returncode != 0 and "exists" in done.stderr
    path.write_text(json.dumps(dict(doc, format="other")))
    done = cli("import", str(path), "--database-url", pg_url, "--name", "x")
    assert done.returncode != 0 and "format" in done.stderr
