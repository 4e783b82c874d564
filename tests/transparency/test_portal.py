"""The public portal (/open/): every page open to anyone, built only from what is published."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from civicpact.accounts.models import Organisation
from civicpact.contracts import governance
from civicpact.contracts import services as contracts
from civicpact.contracts.models import Contract
from civicpact.demo.performance import CONTRACT_TITLE, seed_streetlight_contract
from civicpact.ledger.models import Release
from civicpact.pipeline import services as pipeline
from civicpact.tendering import services as tendering
from civicpact.transparency import compiled, portal
from civicpact.transparency.portal_views import PAGE_SIZE
from tests.tendering.fixtures import SECRET_ANSWER, SECRET_PRICE, tender_fields

pytestmark = pytest.mark.django_db

SECRET = "ZX-SECRET-7731 never published"
LIST_PAGES = ("/open/projects/", "/open/tenders/", "/open/awards/", "/open/contracts/", "/open/suppliers/")


@pytest.fixture
def lighting(city: Any) -> Contract:
    """The demo's street-lighting PPP, in force, with two issued statements (and a draft third)."""
    seed_streetlight_contract()
    return Contract.objects.get(versions__title=CONTRACT_TITLE)


def _contract_url(contract: Contract) -> str:
    ocid = Release.objects.filter(body__contracts__0__id=contract.ocds_id).values_list("ocid", flat=True).first()
    if ocid is None:  # JSON paths in filters differ by vendor: fall back to a scan of the few releases
        ocid = next(r.ocid for r in Release.objects.all() if contract.ocds_id in str(r.body.get("contracts", "")))
    return f"/open/contracts/{ocid}/{contract.ocds_id}/"


def _every_page() -> list[str]:
    processes = compiled.process_list()
    pages = ["/open/", "/open/search/?q=lighting", *LIST_PAGES]
    pages += [f"/open/projects/{p.ocid}/" for p in processes]
    pages += [f"/open/contracts/{p.ocid}/{c['id']}/" for p in processes for c in p.contracts]
    pages += [f"/open/suppliers/{s.party_id}/" for s in portal.suppliers(processes)]
    return pages


def test_the_home_page_is_open_to_anyone_with_counts_and_a_search_box(city: Any, citizen: Client) -> None:
    response = citizen.get("/open/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="search"' in html
    assert "Projects" in html
    assert "Tenders" in html
    assert "Suppliers" in html
    assert "/api/v1/ocds/bulk/releases.json" in html
    assert "Data last updated" in html


@pytest.mark.parametrize("path", LIST_PAGES)
def test_every_list_is_open_to_anyone_and_says_when_its_data_was_updated(
    city: Any, citizen: Client, path: str
) -> None:
    response = citizen.get(path)
    assert response.status_code == 200
    assert "Data last updated" in response.content.decode()


def test_the_project_list_shows_every_published_process(city: Any, citizen: Client) -> None:
    html = citizen.get("/open/projects/").content.decode()
    for process in compiled.process_list()[:PAGE_SIZE]:
        assert f"/open/projects/{process.ocid}/" in html


def test_a_search_finds_by_words_and_a_filter_narrows_by_status(city: Any, citizen: Client) -> None:
    tenders = portal.tender_rows(compiled.process_list())
    assert tenders, "the demo city publishes tenders"
    word = str(tenders[0].item["title"]).split()[-1]
    html = citizen.get("/open/tenders/", {"q": word}).content.decode()
    assert escape(str(tenders[0].item["title"])) in html
    assert "No tender matches" in citizen.get("/open/tenders/", {"q": "qwertyuiop"}).content.decode()
    assert "No tender matches" in citizen.get("/open/tenders/", {"status": "nonesuch"}).content.decode()


def test_a_long_list_is_paginated(city: Any, citizen: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("civicpact.transparency.portal_views.PAGE_SIZE", 1)
    first = citizen.get("/open/projects/").content.decode()
    assert "Page 1 of" in first
    assert 'rel="next"' in first
    second = citizen.get("/open/projects/", {"page": 2}).content.decode()
    assert 'rel="prev"' in second
    assert second.count("/open/projects/ocds-") == 1


def test_an_unpublished_ocid_is_not_found(city: Any, citizen: Client) -> None:
    assert citizen.get("/open/projects/ocds-none-1/").status_code == 404
    assert citizen.get("/open/contracts/ocds-none-1/contract-1/").status_code == 404
    assert citizen.get("/open/suppliers/org-999999/").status_code == 404


QUERIES = {
    "/open/": 7,  # freshness, counts by kind, suppliers, projects, 5 recent, 5 contracts, last update
    "/open/search/?q=lighting": 13,  # freshness, a count and 10 rows per kind, the suppliers' values, last update
    "/open/projects/": 5,  # freshness, stages, count, page, last update
    "/open/tenders/": 5,
    "/open/awards/": 5,
    "/open/contracts/": 5,
    "/open/suppliers/": 5,  # freshness, count, page, the page's values won, last update
}


@pytest.mark.parametrize(("path", "queries"), QUERIES.items())
def test_a_list_page_costs_a_fixed_number_of_queries_however_many_processes(
    city: Any, citizen: Client, path: str, queries: int, django_assert_max_num_queries: Any
) -> None:
    citizen.get(path)  # the first read after publication compiles what is new
    with django_assert_max_num_queries(queries):  # fewer when a list is empty (no page to read)
        assert citizen.get(path).status_code == 200


def test_the_contract_page_tells_the_whole_story_of_the_street_lighting(lighting: Contract, citizen: Client) -> None:
    url = _contract_url(lighting)
    response = citizen.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert CONTRACT_TITLE in html
    assert "Managed services" in html
    assert "Availability payments" in html
    assert "10 years" in html
    assert "Who carries which risk" in html
    assert "Change in lighting law" in html
    assert "The partner (private party)" in html
    assert "The city (public authority)" in html
    assert '<svg font-family="sans-serif"' in html
    assert "Availability against target by month" in html
    process = compiled.process_get(ocid=url.split("/")[3])
    assert process is not None
    months = portal.performance_months(process.contract(lighting.ocds_id) or {})
    assert len(months) == 2  # the two issued statements; the third month's statement is a draft
    for month in months:
        assert f'<th scope="row">{month.month}</th>' in html
    assert "capped at" in html  # the storm month's deductions hit the cap
    assert "Payments made" in html
    assert "Lumen Grid" in html
    assert "Timeline of published releases" in html
    assert "Contract signed" in html
    assert f"/api/v1/ocds/records/{url.split('/')[3]}" in html
    assert "Data last updated" in html


def _published_lighting(lighting: Contract) -> dict[str, Any]:
    process = compiled.process_get(ocid=_contract_url(lighting).split("/")[3])
    assert process is not None
    return dict(process.contract(lighting.ocds_id) or {})


def test_deductions_are_read_from_the_issued_statements_figures(lighting: Contract) -> None:
    from civicpact.performance.models import Statement, StatementStatus

    issued = Statement.objects.filter(contract=lighting, status=StatementStatus.ISSUED)
    expected = {s.month: Decimal(s.figures["deductions_applied"]) for s in issued}
    months = portal.performance_months(_published_lighting(lighting))
    assert {m.month: m.deductions for m in months} == expected
    assert any(amount > 0 for amount in expected.values())


def test_deductions_do_not_depend_on_the_statement_documents_wording(lighting: Contract) -> None:
    contract = copy.deepcopy(_published_lighting(lighting))
    before = [p.deductions for p in portal.payments(contract)]
    for document in contract["implementation"]["documents"]:
        document["description"] = "Relevé mensuel (montants dans le document)."
    assert [p.deductions for p in portal.payments(contract)] == before
    assert None not in before


def test_a_withheld_statement_document_shows_no_deductions(lighting: Contract) -> None:
    contract = copy.deepcopy(_published_lighting(lighting))
    first = contract["implementation"]["documents"][0]
    first.pop("description")
    first["accessDetails"] = "Withheld: commercial confidentiality, until 2026-06-30."
    shown = {p.document: p.deductions for p in portal.payments(contract)}
    assert shown[first["title"]] is None
    assert all(d is not None for title, d in shown.items() if title != first["title"])


def test_a_draft_statement_is_never_read_even_if_its_id_were_published(lighting: Contract) -> None:
    from civicpact.performance.models import Statement, StatementStatus
    from civicpact.performance.publication import statement_ocds_id
    from civicpact.performance.selectors import published_deductions

    draft = Statement.objects.get(contract=lighting, status=StatementStatus.DRAFT)
    assert published_deductions(ocds_ids=[statement_ocds_id(draft), "statement-x", "contract-1"]) == {}


def test_the_contract_page_reads_a_bounded_number_of_queries(
    lighting: Contract, citizen: Client, django_assert_max_num_queries: Any
) -> None:
    url = _contract_url(lighting)
    citizen.get(url)  # the first read after publication compiles the record
    with django_assert_max_num_queries(4):  # releases, cached compiled release, terms in force, statements' deductions
        assert citizen.get(url).status_code == 200
    with django_assert_max_num_queries(2):
        assert citizen.get(f"/open/projects/{url.split('/')[3]}/").status_code == 200


def test_the_project_and_supplier_pages_link_the_contract(lighting: Contract, citizen: Client) -> None:
    url = _contract_url(lighting)
    ocid = url.split("/")[3]
    project = citizen.get(f"/open/projects/{ocid}/").content.decode()
    assert url in project
    supplier = citizen.get("/open/suppliers/").content.decode()
    assert "Lumen Grid" in supplier
    party = next(s for s in portal.suppliers(compiled.process_list()) if s.name == "Lumen Grid")
    page = citizen.get(f"/open/suppliers/{party.party_id}/").content.decode()
    assert url in page
    assert "99.935%" in page or "Availability by month" in page


def plant_secrets(*, lighting: Contract, project_id: int, manager: Any, officer: Any) -> None:
    """Plant SECRET in a draft tender of the project, a department's need, a draft contract amendment and a
    dispute (tests/transparency/test_secrets.py plants in sealed bids and searches exports and logs too)."""
    tendering.tender_create(actor=officer, project_id=project_id, **tender_fields(title=SECRET, description=SECRET))
    pipeline.need_create(
        actor=officer,
        department=Organisation.objects.get(name="Energy and Street Lighting"),
        title=SECRET,
        problem_statement=SECRET,
        outcomes_sought=SECRET,
        first_year=2027,
        last_year=2030,
    )
    contracts.contract_amend(
        actor=manager,
        contract_id=lighting.pk,
        expected_version=lighting.version,
        rationale="scope_change",
        details=SECRET,
        description=f"{SECRET} in the draft amendment",
        partnership_model="joint_venture",
    )
    governance.dispute_raise(actor=manager, contract_id=lighting.pk, subject=SECRET, description=SECRET)


def test_nothing_unpublished_appears_on_any_portal_page(
    lighting: Contract, opened: Any, manager: Any, officer: Any, citizen: Client
) -> None:
    """Plant a secret in a draft contract version, a dispute, a draft tender, a department's need and (through the
    `opened` fixture) sealed bids, then read every page of the portal."""
    plant_secrets(lighting=lighting, project_id=opened.project_id, manager=manager, officer=officer)
    pages = _every_page()
    assert _contract_url(lighting) in pages
    for path in pages:
        response = citizen.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        for secret in (SECRET, "ZX-SECRET", SECRET_ANSWER, SECRET_PRICE, "Joint venture"):
            assert secret not in html, f"{secret!r} on {path}"
    for path in ("/open/search/", *LIST_PAGES):  # the search box echoes the words asked: none is found
        html = citizen.get(path, {"q": "ZX-SECRET-7731"}).content.decode()
        assert "0 results" in html, path
