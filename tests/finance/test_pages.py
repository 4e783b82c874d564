"""The finance pages: who may open which (a supplier never another partner's invoice; only finance analysts decide,
export and import), the forms' refusals (a stale decision is a 409 that keeps what was typed), and the downloads."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from civicpact.finance import services
from civicpact.finance.models import FinanceExport, FinanceTerms, IndexValue, Invoice


def test_the_analyst_sees_the_invoice_with_the_decision_forms(client_for, analyst, invoice):
    page = client_for(analyst).get(f"/finance/invoices/{invoice.pk}/")
    assert page.status_code == 200
    assert b"Approve for the finance system" in page.content
    assert b"123,000.00" in page.content


def test_the_partner_sees_its_invoice_with_the_reference_form_and_no_decision(client_for, supplier, invoice):
    page = client_for(supplier).get(f"/finance/invoices/{invoice.pk}/")
    assert page.status_code == 200
    assert b"Record the invoice number" in page.content
    assert b"Approve for the finance system" not in page.content


@pytest.mark.parametrize("who", ["other_supplier", "lead", "evaluator"])
def test_others_get_a_404_for_the_invoice(request, client_for, who, invoice):
    assert client_for(request.getfixturevalue(who)).get(f"/finance/invoices/{invoice.pk}/").status_code == 404


def test_the_public_is_sent_to_sign_in(citizen, invoice):
    assert citizen.get(f"/finance/invoices/{invoice.pk}/").status_code == 302


def test_the_invoice_list_shows_a_partner_only_its_own(client_for, supplier, other_supplier, invoice):
    assert f"#{invoice.pk}".encode() in client_for(supplier).get("/finance/invoices/").content
    page = client_for(other_supplier).get("/finance/invoices/")
    assert page.status_code == 200
    assert b"No invoice" in page.content


def test_city_staff_outside_finance_cannot_open_the_invoice_list(client_for, lead, city):
    assert client_for(lead).get("/finance/invoices/").status_code == 403


def test_the_invoice_list_takes_as_many_queries_for_two_invoices_as_for_one(
    client_for, analyst, manager, metered, terms, django_assert_max_num_queries
):
    from tests.finance.conftest import issue
    from tests.performance.test_statements import last_month

    month = last_month()[0]
    issue(manager, metered, month)
    client = client_for(analyst)
    with django_assert_max_num_queries(20) as one:
        assert client.get("/finance/invoices/").status_code == 200
    year, number = (int(p) for p in month.split("-"))
    issue(manager, metered, f"{year - (number == 1)}-{(number - 2) % 12 + 1:02d}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get("/finance/invoices/")
    assert page.content.count(b"Smart parking concession") >= 2


def test_the_analyst_approves_through_the_page(client_for, analyst, invoice):
    response = client_for(analyst).post(f"/finance/invoices/{invoice.pk}/approve/", {"version": 1})
    assert response.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).status == "approved"


@pytest.mark.parametrize("who", ["supplier", "manager", "auditor"])
def test_only_finance_analysts_approve_through_the_page(request, client_for, who, invoice):
    response = client_for(request.getfixturevalue(who)).post(
        f"/finance/invoices/{invoice.pk}/approve/", {"version": 1}
    )
    assert response.status_code == 403
    assert Invoice.objects.get(pk=invoice.pk).status == "pending"


def test_a_stale_rejection_is_409_and_keeps_the_reason_typed(client_for, analyst, supplier, invoice):
    services.invoice_reference(actor=supplier, invoice_id=invoice.pk, expected_version=1, reference="LG-1")
    page = client_for(analyst).post(
        f"/finance/invoices/{invoice.pk}/reject/", {"version": 1, "reason": "The number is not ours."}
    )
    assert page.status_code == 409
    assert b"The number is not ours." in page.content
    assert b"changed after you opened it" in page.content
    assert Invoice.objects.get(pk=invoice.pk).status == "pending"


def test_a_rejection_without_a_reason_is_400(client_for, analyst, invoice):
    page = client_for(analyst).post(f"/finance/invoices/{invoice.pk}/reject/", {"version": 1, "reason": ""})
    assert page.status_code == 400


def test_the_partner_records_its_reference_through_the_page(client_for, supplier, invoice):
    response = client_for(supplier).post(
        f"/finance/invoices/{invoice.pk}/reference/", {"version": 1, "reference": "LG-9"}
    )
    assert response.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).supplier_reference == "LG-9"


def test_another_supplier_cannot_post_a_reference(client_for, other_supplier, invoice):
    response = client_for(other_supplier).post(
        f"/finance/invoices/{invoice.pk}/reference/", {"version": 1, "reference": "X"}
    )
    assert response.status_code == 404


def test_the_analyst_exports_and_downloads_the_file(client_for, analyst, approved):
    client = client_for(analyst)
    since = timezone.localdate().isoformat()
    response = client.post("/finance/exports/", {"since": since, "format": "csv"})
    assert response.status_code == 302
    export = FinanceExport.objects.get()
    download = client.get(f"/finance/exports/{export.pk}/download/")
    assert download["Content-Disposition"] == f'attachment; filename="civicpact-finance-export-{export.pk}.csv"'
    assert download.content.decode().startswith("invoice_id,")


def test_a_bad_export_date_is_400_naming_the_field(client_for, analyst, city):
    page = client_for(analyst).post("/finance/exports/", {"since": "soon", "format": "csv"})
    assert page.status_code == 400
    assert b"Enter a valid date" in page.content


@pytest.mark.parametrize("who", ["manager", "supplier", "auditor"])
def test_exports_are_for_finance_analysts_only(request, client_for, analyst, who, approved):
    export = services.export_create(actor=analyst, since=timezone.localdate(), fmt="csv")
    client = client_for(request.getfixturevalue(who))
    assert client.get("/finance/exports/").status_code == 403
    assert client.get(f"/finance/exports/{export.pk}/download/").status_code == 404


def test_the_index_series_page_imports_a_csv_and_reports_bad_lines(client_for, analyst, city):
    client = client_for(analyst)
    bad = SimpleUploadedFile("cpi.csv", b"month,value\n2024-01,x\n")
    page = client.post("/finance/index-series/", {"series": "CPI", "file": bad})
    assert page.status_code == 400
    assert b"is not a number" in page.content
    good = SimpleUploadedFile("cpi.csv", b"month,value\n2024-01,118.4\n")
    assert client.post("/finance/index-series/", {"series": "CPI", "file": good}).status_code == 302
    assert IndexValue.objects.get().value == Decimal("118.4")


def test_the_index_series_page_refuses_a_file_that_is_not_text(client_for, analyst, city):
    page = client_for(analyst).post(
        "/finance/index-series/", {"series": "CPI", "file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00")}
    )
    assert page.status_code == 400
    assert b"not UTF-8" in page.content


def test_a_contract_manager_reads_the_index_series_but_imports_nothing(client_for, manager, city):
    client = client_for(manager)
    assert client.get("/finance/index-series/").status_code == 200
    assert client.post("/finance/index-series/", {"series": "CPI"}).status_code == 403


def test_the_analyst_sets_the_finance_terms_and_a_stale_save_is_409(client_for, analyst, metered):
    client = client_for(analyst)
    url = f"/finance/contracts/{metered.pk}/terms/"
    assert client.get(url).status_code == 200
    first = client.post(url, {"version": 0, "budget_line": "4.2.13", "vat_percent": "6"})
    assert first.status_code == 302
    stale = client.post(url, {"version": 0, "budget_line": "9.9.9"})
    assert stale.status_code == 409
    assert b"9.9.9" in stale.content
    assert FinanceTerms.objects.get().budget_line == "4.2.13"


def test_a_bad_vat_rate_is_400_naming_the_field(client_for, analyst, metered):
    page = client_for(analyst).post(f"/finance/contracts/{metered.pk}/terms/", {"version": 0, "vat_percent": "150"})
    assert page.status_code == 400
    assert b"VAT rate (%): A VAT rate is 0 to 100 percent" in page.content


@pytest.mark.parametrize(
    ("who", "status"), [("manager", 403), ("supplier", 403), ("other_supplier", 404), ("lead", 403)]
)
def test_only_finance_analysts_set_finance_terms(request, client_for, who, status, metered):
    response = client_for(request.getfixturevalue(who)).post(
        f"/finance/contracts/{metered.pk}/terms/", {"version": 0, "budget_line": "x"}
    )
    assert response.status_code == status
    assert not FinanceTerms.objects.exists()
