"""The audit trail and the confidentiality claims in French (docs/languages.md); the export stays as it is."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from civicpact.accounts.models import User
from civicpact.ledger.services import audit_append, ocid_mint
from tests.i18n.french import french, text

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def test_the_audit_trail_reads_french_and_keeps_its_iso_times(city):
    html = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/audit/").content.decode()
    assert '<html lang="fr"' in html
    assert "<h1>Piste d'audit</h1>" in html
    assert "Chaque décision prise dans CivicPact est un événement d'une chaîne unique." in html
    assert "téléchargez l'export public (JSON)" in html
    assert '<th scope="col">Quand (UTC)</th>' in html
    assert "Vous voyez les événements publics." in html
    assert re.search(r"<td>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}</td>", html)  # times stay ISO (Y-m-d H:i:s)
    english = Client().get("/audit/").content.decode()
    assert "<h1>Audit trail</h1>" in english
    assert "Piste" not in english


def test_an_auditor_verifies_the_chain_in_french(client_for):
    html = french(client_for(User.objects.get(username="auditor"))).get("/audit/verify/").content.decode()
    assert "<h1>Vérification de la chaîne</h1>" in html
    assert "Intacte" in html
    assert "événements ont été recalculés et chaque lien tient." in html


def test_a_citizen_checks_an_export_in_french(city, tmp_path):
    audit_append(actor=None, action="test.event", obj="pipeline.project:1", payload={"n": 1}, public=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    response: Any = client.get("/audit/export.json")
    export = b"".join(response.streaming_content)
    path = tmp_path / "audit-export.json"
    path.write_bytes(export)
    with path.open("rb") as upload:
        html = client.post("/audit/check/", {"export": upload}).content.decode()
    assert "<h1>Vérifier un export de la piste d'audit</h1>" in html
    assert "Intacte" in html
    assert "chaque lien tient" in html
    assert json.loads(export)  # the export itself is data: not translated
    path.write_bytes(b"not json")
    with path.open("rb") as upload:
        refused = client.post("/audit/check/", {"export": upload})
    assert refused.status_code == 400
    assert "Le fichier n'est pas du JSON" in text(refused)


@time_machine.travel(NOW, tick=False)
def test_an_officer_claims_confidentiality_in_french(client_for):
    ocid = ocid_mint(actor=None, obj="pipeline.project:99", local_id="confidential-fr").ocid
    client = french(client_for(User.objects.get(username="officer")))
    form = client.get(f"/audit/claims/new/?ocid={ocid}").content.decode()
    assert "<h1>Demander la confidentialité</h1>" in form
    assert "Identifiant du document ou chemin du champ" in form
    assert "Secret des affaires" in form  # the reasons' labels
    data = {"ocid": ocid, "kind": "document", "target": "doc-1", "reason": "commercial", "ends_on": "2026-01-01"}
    refused = client.post("/audit/claims/new/", data).content.decode()
    assert "la date de fin est dépassée" in refused  # the service's refusal, said in French
    created = client.post("/audit/claims/new/", data | {"ends_on": "2026-06-30"})
    assert created.status_code == 302
    register = client.get(created["Location"]).content.decode()
    assert "<h1>Demandes de confidentialité</h1>" in register
    assert f"1 demande pour {ocid}" in register
    assert "En vigueur" in register
    assert "2026-06-30" in register  # the end date stays ISO
    english = client_for(User.objects.get(username="officer")).get(created["Location"]).content.decode()
    assert "Confidentiality claims" in english
    assert "In force" in english
