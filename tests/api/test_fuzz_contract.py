"""Property-based fuzzing from openapi.yaml (schemathesis): no request may cause a 500,
and every response must match the contract. It found five classes of server errors once
(ids beyond 64 bits, lone surrogates, a non-string parameter type, tiny steps, infinite
ranges); they are in the bad-input suite now. It runs with tokens required, as admin."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from ..contract import SPEC_PATH

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance," \
         "response_schema_conformance"


@pytest.mark.e2e
def test_no_generated_request_breaks_the_service_or_the_contract(secured_server, tmp_path):
    auth = secured_server.auth("admin")
    requests.post(f"{secured_server.url}/v1/studies", timeout=30, headers=auth, json={
        "name": "fuzz", "space": {"a": {"type": "int", "low": 0, "high": 3}}})  # real data
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert cli, "schemathesis is in the test extra"
    result = subprocess.run(
        [cli, "run", str(SPEC_PATH), "--url", secured_server.url, "--checks", CHECKS,
         "--header", f"Authorization: {auth['Authorization']}",
         "--max-examples", "30", "--seed", "1", "--no-color"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
