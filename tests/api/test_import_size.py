"""An import may be bigger than other bodies (IMPORT_MAX_BYTES), and no bigger."""

from __future__ import annotations

import json

from optimizer_api import create_app

from ..conftest import sqlite_url


def test_an_import_over_the_usual_1_mib_goes_in_and_one_over_its_own_limit_is_a_413(tmp_path):
    app = create_app({"DATABASE_URL": sqlite_url(tmp_path / "a.db"),
                      "IMPORT_MAX_BYTES": 4 * 1024 * 1024})
    http = app.test_client()
    sid = http.post("/v1/studies", json={"name": "big", "space": {
        "x": {"type": "float", "low": 0, "high": 1}}}).json["id"]
    t = http.post(f"/v1/studies/{sid}/suggest", json={}).json["trials"][0]
    http.post(f"/v1/studies/{sid}/observe", json={"trial_id": t["id"], "value": 0.5})
    doc = http.get(f"/v1/studies/{sid}/export").json
    # 30 trials of 2000 steps: as a long study's export would have them
    (trial,) = doc["trials"]
    curve = [[s, s / 1000 + 1e-9] for s in range(2000)]
    doc["trials"] = [dict(trial, number=n, intermediate_values=curve) for n in range(30)]
    doc["study"]["next_number"] = 30
    body = json.dumps(doc).encode()
    assert 1024 * 1024 < len(body) < 4 * 1024 * 1024
    r = http.post("/v1/studies/import?name=copy", data=body, content_type="application/json")
    assert r.status_code == 201, r.get_data()[:300]
    assert r.json["trial_counts"]["completed"] == 30
    assert http.get(f"/v1/studies/{r.json['id']}/export").json["trials"] == doc["trials"]
    too_big = body + b" " * (4 * 1024 * 1024)
    r = http.post("/v1/studies/import?name=copy2", data=too_big,
                  content_type="application/json")
    assert r.status_code == 413
    assert http.post("/v1/studies", data=body, content_type="application/json"
                     ).status_code == 413  # other routes keep the usual limit
