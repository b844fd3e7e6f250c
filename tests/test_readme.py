"""README.md and the code agree: the quickstart and the walk-through run as written."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import requests

README = Path(__file__).resolve().parents[1] / "README.md"


def walkthrough() -> str:
    text = README.read_text()
    block = re.search(r"<!-- walkthrough:start -->\s*```sh\n(.*?)```", text, re.S)
    assert block, "README.md has no walk-through block"
    return block.group(1)


def test_quickstart_names_the_two_commands():
    head = README.read_text().split("## Walk-through")[0]
    assert "make serve" in head and "make test" in head
    makefile = (README.parent / "Makefile").read_text()
    assert re.search(r"^serve:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


@pytest.mark.e2e
def test_walkthrough_runs_verbatim(live_server):
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", walkthrough()],
        env={"OPTIMIZER_URL": live_server, "PATH": os.environ["PATH"]},
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len([line for line in lines if line.startswith("trial")]) == 6
    assert lines[-1].startswith("best:")
    study = requests.get(f"{live_server}/v1/studies", params={"name": "walkthrough"}).json()
    study = study["studies"][0]
    assert study["trial_counts"]["completed"] == 6 and study["status"] == "completed"
    trials = requests.get(f"{live_server}/v1/studies/{study['id']}/trials").json()["trials"]
    assert all(len(t["intermediate_values"]) == 3 for t in trials)
    best = min(t["value"] for t in trials)
    assert study["best_trial"]["value"] == best
    assert lines[-1].endswith(str(best))


def test_early_stopping_table_matches_the_rules_defaults():
    from optimizer_api import stopping

    text = README.read_text()
    rows = re.findall(r"^\| `(\w+)` \| .*? \| (.*?) \|$", text, re.M)
    documented = {rule: cell for rule, cell in rows if rule in stopping.names()}
    assert sorted(documented) == stopping.names()
    for rule, cell in documented.items():
        options = dict(re.findall(r"`(\w+)` \(([^)]+)\)", cell))
        given = {"bound": 0.5} if rule == "threshold" else {}
        filled = stopping.get(rule).validate_options(given)
        assert set(options) == set(filled), rule
        for name, default in options.items():
            if default in ("required",):
                continue
            expected = "none" if filled[name] is None else str(filled[name]).removesuffix(".0")
            assert default == expected, (rule, name, default, filled[name])


def test_documented_algorithms_are_the_registered_ones():
    from optimizer_api import samplers

    text = README.read_text()
    for name in samplers.names():
        assert f"`{name}`" in text, name


def test_objectives_section_agrees_with_the_code_and_openapi():
    from optimizer_api.analysis import pareto
    from optimizer_api.service import outcomes

    from .contract import spec

    text = README.read_text()
    section = text.split("## Several objectives and constraints")[1].split("\n## ")[0]
    assert f"1 to {outcomes.MAX_OBJECTIVES} of" in section
    assert pareto.REFERENCE_MARGIN == 0.1 and "moved a tenth of its" in section
    schemas = spec()["components"]["schemas"]
    assert schemas["StudyCreate"]["properties"]["objectives"]["maxItems"] == \
        outcomes.MAX_OBJECTIVES
    assert schemas["StudyCreate"]["properties"]["constraints"]["maxItems"] == \
        outcomes.MAX_CONSTRAINTS
    route = spec()["paths"]["/v1/studies/{study_id}/pareto"]["get"]
    assert [p["name"] for p in route["parameters"]] == ["ref"] and "`?ref=" in section
    assert "`GET /v1/studies/{id}/pareto`" in text.split("## The API")[1]


def test_the_long_jobs_section_states_the_lease_defaults_of_the_code():
    import yaml

    from optimizer_api.service.definition import DEFAULT_LEASE_SECONDS

    section = README.read_text().split("## Long jobs")[1].split("\n## ")[0]
    assert f"default **{DEFAULT_LEASE_SECONDS:g} s**" in section
    beat = DEFAULT_LEASE_SECONDS / 3  # the client's optimize() beats this often
    assert f"`lease_seconds / 3` ({beat:g} s by default)" in section
    spec = yaml.safe_load((README.parent / "openapi.yaml").read_text())
    lease = spec["components"]["schemas"]["StudyCreate"]["properties"]["lease_seconds"]
    assert lease["default"] == DEFAULT_LEASE_SECONDS
    assert (lease["minimum"], lease["maximum"]) == (1, 7 * 24 * 3600)  # "1 s to 7 days"
