"""Suppliers browse published opportunities: search words, procedure and status filters, in the page and the API;
drafts never show to them."""

from __future__ import annotations

from civicpact.demo.tendering import FLOOD_TENDER
from tests.tendering.fixtures import choose_route, tender_fields

API = "/api/v1/tendering/tenders"


def names(response) -> list[str]:
    return [t["title"] for t in response.json()["items"]]


def test_search_and_filters_find_open_opportunities_and_never_drafts(client_for, citizen, officer, supplier, draft):
    assert FLOOD_TENDER in names(citizen.get(API, {"q": "river flood"}))
    assert names(citizen.get(API, {"q": "river unicorn"})) == []
    assert names(citizen.get(API, {"status": "open"})) == [FLOOD_TENDER]
    assert names(citizen.get(API, {"procedure": "challenge_based"})) == [FLOOD_TENDER]
    assert names(citizen.get(API, {"procedure": "open"})) == []  # the open tender is still a draft
    assert draft.title in names(client_for(officer).get(API, {"procedure": "open"}))
    assert draft.title not in names(client_for(supplier).get(API, {"q": "lighting"}))
    page = client_for(supplier).get("/tenders/", {"q": "warning", "status": "open"}).content.decode()
    assert FLOOD_TENDER.replace("'", "&#x27;") in page
    none = client_for(supplier).get("/tenders/", {"q": "lighting"}).content.decode()
    assert "No tender matches these filters." in none


def test_an_unknown_filter_value_is_refused_naming_it(city, citizen):
    bad = citizen.get(API, {"procedure": "auction"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "procedure"
    assert citizen.get(API, {"status": "sleeping"}).json()["errors"][0]["field"] == "status"
    assert citizen.get("/tenders/", {"status": "sleeping"}).status_code == 400


def test_stages_show_in_the_list(client_for, officer, procurement_project):
    from civicpact.tendering import services

    choose_route(procurement_project, officer, "pre_commercial")
    services.tender_create(actor=officer, project_id=procurement_project.pk, **tender_fields(keep=2))
    page = client_for(officer).get("/tenders/", {"procedure": "pre_commercial"}).content.decode()
    assert "PCP phase 1: solution design" in page
