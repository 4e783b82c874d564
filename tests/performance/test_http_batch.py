"""The partner's systems push readings as NDJSON with a bearer token: stored all or nothing, the rejections
returned with the reason per row; refused without a token, for another partner's contract, or empty."""

from __future__ import annotations

import json
from datetime import timedelta

from civicpact.accounts import services as accounts
from civicpact.performance.models import IngestBatch
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.performance.test_statements import last_month, metered  # noqa: F401


def post(client, contract, body, token=None, **query):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    url = f"/api/v1/performance/contracts/{contract.pk}/telemetry"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(url, body, content_type="application/x-ndjson", **headers)


def test_a_token_holding_partner_pushes_a_batch_and_gets_the_rejections_back(
    client,
    supplier,
    second_supplier,
    metered,  # noqa: F811
):
    _token, raw = accounts.api_token_create(actor=supplier, name="lamp controller")
    _month, start = last_month()
    lines = [
        json.dumps({"asset": "SL-0001", "timestamp": (start + timedelta(minutes=15 * q)).isoformat(), "status": "up"})
        for q in range(4)
    ]
    lines.append(json.dumps({"asset": "SL-0001", "timestamp": "2026-01-01T00:00:00", "status": "up"}))
    lines.append("{not json")
    response = post(client, metered, "\n".join(lines), raw)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["rows_accepted"], body["rows_rejected"]) == ("done", 4, 2)
    assert {r["row"] for r in body["rejections"]} == {5, 6}
    again = post(client, metered, "\n".join(lines[:4]), raw)
    assert again.json()["status"] == "duplicate"
    assert post(client, metered, "\n".join(lines)).status_code == 401
    _other, other_raw = accounts.api_token_create(actor=second_supplier, name="not theirs")
    assert post(client, metered, "\n".join(lines), other_raw).status_code == 404
    assert post(client, metered, "\n\n", raw).status_code == 422
    assert post(client, metered, lines[0], raw, feed="rumours").status_code == 422
    assert IngestBatch.objects.filter(contract=metered).count() == 2


def test_a_batch_over_the_size_limit_is_refused_with_413(client, settings, supplier, metered):  # noqa: F811
    settings.CIVICPACT_TELEMETRY_BATCH_MAX_BYTES = 100
    _token, raw = accounts.api_token_create(actor=supplier, name="lamp controller")
    response = post(client, metered, "x" * 200, raw)
    assert response.status_code == 413
    assert "split it" in response.json()["detail"]


def test_an_mqtt_batch_goes_to_the_contract_its_topic_names(metered):  # noqa: F811
    from civicpact.performance import services

    _month, start = last_month()
    reading = {"asset": "SL-0002", "timestamp": start.isoformat(), "status": "down"}
    line = services.mqtt_batch(f"civicpact/{metered.pk}/telemetry", [reading, {"asset": "SL-0002"}])
    assert line.endswith("done: 1 accepted, 1 rejected")
    assert "no such contract" in services.mqtt_batch("civicpact/999999/telemetry", [reading])
    assert "no such contract" in services.mqtt_batch("elsewhere/telemetry", [reading])
