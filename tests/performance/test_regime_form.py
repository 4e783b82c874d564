"""The regime as a form: the document round-trips exactly through the forms (a property), saving makes a new
version through the service, and the domain's refusals land next to the field or row they name; rows are added
without JavaScript and nothing is saved until the manager saves."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings

from civicpact.domain.performance.regime import DAYS, regime_from_mapping, regime_from_text, regime_to_mapping
from civicpact.performance.models import Regime
from civicpact.performance.regime_form import RegimeForms, regime_document, regime_forms, regime_initial
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.domain.test_regime import regime_mappings
from tests.performance.test_publication import KPI_REGIME
from tests.performance.test_statements import REGIME, metered  # noqa: F401


def posted(pages: RegimeForms) -> dict[str, Any]:
    """What a browser sends back for the forms as rendered, unchanged: every field's shown value by its name."""
    data: dict[str, Any] = {}
    forms: list[Any] = [pages.main]
    for formset in pages.formsets.values():
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for name in form.fields:
            field = form[name]
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = value
    return data


def query(data: dict[str, Any]) -> QueryDict:
    out = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list | tuple):
            out.setlist(key, [str(v) for v in value])
        else:
            out[key] = str(value)
    return out


def in_week_order(document: dict[str, Any]) -> dict[str, Any]:
    for asset_class in document["asset_classes"]:
        for period in asset_class["service_hours"]:
            period["days"] = [day for day in DAYS if day in period["days"]]
    return document


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(regime_mappings())
def test_a_regime_document_round_trips_exactly_through_the_form(data):
    document = regime_to_mapping(regime_from_mapping(data))
    shown = regime_forms(initial=regime_initial(document, number=3))
    sent = posted(shown) | {"rationale": "Same again."}
    pages = regime_forms(query(sent))
    assert pages.is_valid(), (pages.main.errors, [f.errors for f in pages.formsets.values()])
    assert pages.main.cleaned_data["number"] == 3
    assert regime_document(pages) == in_week_order(document)


def form_url(contract):
    return f"/contracts/{contract.pk}/performance/regime/form/"


def current_form(contract, **change: Any) -> dict[str, Any]:
    """The form as shown for the contract's latest regime, with some fields changed."""
    regime = Regime.objects.filter(contract=contract).order_by("-number").first()
    shown = regime_forms(initial=regime_initial(regime.document, number=regime.number))
    return posted(shown) | {"rationale": "Tidied."} | change


def test_the_form_shows_the_latest_version_and_is_for_managers_only(client_for, manager, supplier, metered):  # noqa: F811
    page = client_for(manager).get(form_url(metered))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'value="1200000.00"' in text
    assert "You are editing version 1" in text
    assert client_for(supplier).get(form_url(metered)).status_code == 403


def test_weightings_that_do_not_add_up_are_refused_next_to_the_classes_and_nothing_is_saved(
    client_for,
    manager,
    metered,  # noqa: F811
):
    response = client_for(manager).post(form_url(metered), current_form(metered, **{"classes-1-weighting": "30"}))
    assert response.status_code == 400
    assert "add up to 110, not 100" in " ".join(response.context["sections"][1]["formset"].non_form_errors())
    assert "There is a problem: nothing was saved" in response.content.decode()
    assert Regime.objects.filter(contract=metered).count() == 1


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        ({"timezone": "Mars/Olympus"}, ("main", "timezone"), "is not a known time zone"),
        ({"cap_percent": "120"}, ("main", "cap_percent"), "cap_percent"),
        (
            {"windows-1-start": "00:00", "windows-1-end": "24:00", "windows-1-asset_class": "streetlight"},
            ("windows", 1),
            "overlaps",
        ),
        ({"windows-0-asset_class": "bench"}, ("windows", 0), "No asset class has the key 'bench'"),
        ({"index_name": "CPI"}, ("main", "index_base"), "Give both fields of the index"),
        ({"ratchet-0-multiplier": "0.5"}, ("ratchet", 0), "at least 1"),
    ],
)
def test_the_domains_refusals_land_next_to_the_field_they_name(client_for, manager, metered, change, where, words):  # noqa: F811
    response = client_for(manager).post(form_url(metered), current_form(metered, **change))
    assert response.status_code == 400
    if where[0] == "main":
        errors = list(response.context["main"].errors[where[1]])
    else:
        section = next(s for s in response.context["sections"] if s["prefix"] == where[0])
        errors = [m for messages in section["formset"].forms[where[1]].errors.values() for m in messages]
    assert words in " ".join(errors)
    html = response.content.decode()
    assert response.context["summary"]
    assert all(f'id="{anchor}"' in html for anchor, _ in response.context["summary"])  # the summary's links land
    assert Regime.objects.filter(contract=metered).count() == 1


def test_adding_a_row_needs_no_javascript_and_saves_nothing(client_for, manager, metered):  # noqa: F811
    data = current_form(metered, add="kpis", rationale="")
    response = client_for(manager).post(form_url(metered), data)
    assert response.status_code == 200
    kpis = next(s for s in response.context["sections"] if s["prefix"] == "kpis")["formset"]
    assert len(kpis.forms) == 2  # none yet, the empty row, and the one added
    assert not response.context["main"].is_bound  # nothing complains about fields not filled yet
    assert "There is a problem" not in response.content.decode()
    assert Regime.objects.filter(contract=metered).count() == 1


def test_a_kpi_added_in_the_form_is_saved_as_the_next_version_equal_to_the_yaml(client_for, manager, metered):  # noqa: F811
    data = current_form(
        metered,
        **{
            "kpis-0-key": "fix_time",
            "kpis-0-name": "Fault fixed within 24 hours",
            "kpis-0-kind": "fix_time",
            "kpis-0-target": "24",
            "kpis-0-deduction_per_failure": "250.00",
        },
    )
    response = client_for(manager).post(form_url(metered), data)
    assert response.status_code == 302
    saved = Regime.objects.get(contract=metered, number=2)
    assert saved.rationale == "Tidied."
    expected = regime_to_mapping(regime_from_text(KPI_REGIME.replace('"99.5"', '"99.0"')))
    assert saved.document == expected
    listed = client_for(manager).get(response["Location"]).content.decode()
    assert "v2" in listed
    assert "Tidied." in listed


def test_a_stale_form_names_who_saved_the_newer_version_and_when(client_for, manager, metered):  # noqa: F811
    stale = current_form(metered)
    assert client_for(manager).post(form_url(metered), stale).status_code == 302
    response = client_for(manager).post(form_url(metered), stale)
    assert response.status_code == 409
    message = " ".join(response.context["main"].non_field_errors())
    assert "version 2 was saved by" in message
    assert "manager" in message.lower()
    assert Regime.objects.filter(contract=metered).count() == 2


def test_a_new_regime_starts_from_the_deployments_defaults(client_for, manager, live):  # noqa: F811
    page = client_for(manager).get(form_url(live))
    assert page.status_code == 200
    assert "No regime yet: saving makes version 1" in page.content.decode()
