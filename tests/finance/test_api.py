"""The finance API: who reads which invoices (a supplier never another partner's), who decides, stale versions
(409), the export and its file, payment confirmations (422 line by line, nothing imported)."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from civicpact.finance.models import Invoice
from tests.finance.conftest import payments

API = "/api/v1/finance"


def post(client, path, body):
    return client.post(API + path, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("who", ["analyst", "manager", "officer", "auditor", "admin_user", "supplier"])
def test_finance_staff_and_the_partner_read_the_invoice(request, client_for, who, invoice):
    client = client_for(request.getfixturevalue(who))
    listed = client.get(API + "/invoices")
    assert listed.status_code == 200
    assert [i["id"] for i in listed.json()["items"]] == [invoice.pk]
    detail = client.get(f"{API}/invoices/{invoice.pk}").json()
    assert (detail["gross"], detail["status"], detail["version"]) == ("123000.00", "pending", 1)


@pytest.mark.parametrize("who", ["other_supplier", "lead", "evaluator"])
def test_other_suppliers_and_other_city_staff_see_no_invoice(request, client_for, who, invoice):
    client = client_for(request.getfixturevalue(who))
    assert client.get(API + "/invoices").json()["items"] == []
    assert client.get(f"{API}/invoices/{invoice.pk}").status_code == 404


def test_the_public_is_asked_to_authenticate(citizen, invoice):
    assert citizen.get(API + "/invoices").status_code == 401


def test_the_invoice_list_takes_a_bounded_number_of_queries(
    client_for, analyst, invoice, django_assert_max_num_queries
):
    client = client_for(analyst)
    with django_assert_max_num_queries(8):
        assert client.get(API + "/invoices?status=pending").status_code == 200


def test_the_partner_gives_its_reference_and_the_analyst_approves(client_for, supplier, analyst, invoice):
    done = post(client_for(supplier), f"/invoices/{invoice.pk}/reference", {"version": 1, "reference": "LG-31"})
    assert done.status_code == 200
    assert done.json()["supplier_reference"] == "LG-31"
    approved = post(client_for(analyst), f"/invoices/{invoice.pk}/approve", {"version": 2})
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"


def test_a_stale_version_is_409_and_changes_nothing(client_for, supplier, analyst, invoice):
    post(client_for(supplier), f"/invoices/{invoice.pk}/reference", {"version": 1, "reference": "LG-31"})
    response = post(client_for(analyst), f"/invoices/{invoice.pk}/approve", {"version": 1})
    assert response.status_code == 409
    assert "changed after you opened it" in response.json()["detail"]
    assert Invoice.objects.get(pk=invoice.pk).status == "pending"


@pytest.mark.parametrize(("who", "status"), [("supplier", 403), ("manager", 403), ("other_supplier", 404)])
def test_only_finance_analysts_approve(request, client_for, who, status, invoice):
    response = post(client_for(request.getfixturevalue(who)), f"/invoices/{invoice.pk}/approve", {"version": 1})
    assert response.status_code == status


def test_the_statements_issuer_cannot_approve_even_as_an_administrator(client_for, admin_user, metered, terms):
    from tests.finance.conftest import issue

    invoice = Invoice.objects.get(statement=issue(admin_user, metered))
    response = post(client_for(admin_user), f"/invoices/{invoice.pk}/approve", {"version": 1})
    assert response.status_code == 403
    assert "Four eyes" in response.json()["detail"]


def test_a_rejection_without_a_reason_is_422_naming_the_field(client_for, analyst, invoice):
    response = post(client_for(analyst), f"/invoices/{invoice.pk}/reject", {"version": 1, "reason": ""})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"


def test_an_export_is_created_and_its_file_downloaded(client_for, analyst, approved):
    client = client_for(analyst)
    today = timezone.localdate().isoformat()
    created = post(client, "/exports", {"since": today, "format": "json"})
    assert created.status_code == 201
    body = created.json()
    assert (body["count"], body["invoice_ids"]) == (1, [approved.pk])
    file = client.get(body["file"])
    assert file["Content-Type"] == "application/json"
    assert json.loads(file.content)["invoices"][0]["invoice_id"] == approved.pk
    assert post(client, "/exports", {"since": today, "format": "csv"}).json()["count"] == 0


@pytest.mark.parametrize("who", ["manager", "supplier", "auditor"])
def test_exports_are_the_finance_analysts(request, client_for, analyst, who, approved):
    client = client_for(request.getfixturevalue(who))
    today = timezone.localdate().isoformat()
    assert post(client, "/exports", {"since": today, "format": "csv"}).status_code == 403
    export = post(client_for(analyst), "/exports", {"since": today, "format": "csv"}).json()
    assert client.get(export["file"]).status_code == 404


def test_a_bad_export_format_is_422(client_for, analyst):
    response = post(client_for(analyst), "/exports", {"since": "2025-01-01", "format": "xml"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "format"


def test_payments_are_imported_through_the_api(client_for, analyst, approved):
    today = timezone.localdate().isoformat()
    response = post(client_for(analyst), "/payments", payments((approved.pk, today, "123000.00", "PAY-9")))
    assert response.status_code == 200
    assert response.json()["paid"] == [approved.pk]
    assert Invoice.objects.get(pk=approved.pk).status == "paid"


def test_payments_that_do_not_match_are_422_line_by_line_and_nothing_is_imported(client_for, analyst, approved):
    today = timezone.localdate().isoformat()
    body = payments((approved.pk, today, "123000.00", "PAY-9"), (approved.pk + 50, today, "1.00", "PAY-10"))
    body["payments"][0]["amount"] = "120000.00"
    response = post(client_for(analyst), "/payments", body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["payments/0/amount", "payments/1/invoice_id"]
    assert errors[0]["message"].startswith("line 1: 120000.00 EUR does not match")
    assert Invoice.objects.get(pk=approved.pk).status == "approved"


def test_a_payments_body_not_in_the_format_is_422(client_for, analyst, city):
    response = post(client_for(analyst), "/payments", {"format": 1, "payments": [{"invoice_id": "x"}]})
    assert response.status_code == 422


@pytest.mark.parametrize("who", ["supplier", "manager"])
def test_only_finance_analysts_send_payments(request, client_for, who, approved):
    today = timezone.localdate().isoformat()
    response = post(
        client_for(request.getfixturevalue(who)), "/payments", payments((approved.pk, today, "123000.00", "P"))
    )
    assert response.status_code == 403
