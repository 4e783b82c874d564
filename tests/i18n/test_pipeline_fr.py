"""The pipeline in French: needs, the project board, a project and its stage gates, the roadmap, market soundings.

The labels the pages translate (stages, gate decisions) stay the domain's English ones in OCDS and in English pages.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template.defaultfilters import floatformat
from django.utils import formats, timezone, translation

from civicpact.domain.pipeline import STAGE_LABELS, GateDecision, Stage
from civicpact.ledger.models import Release
from civicpact.pipeline import services
from civicpact.pipeline.models import DECISION_NAMES, STAGE_NAMES, Need, Project, Rfi
from tests.i18n.french import french, page, text, typeset

COMMA_COORDINATE = re.compile(r'\b(x|y|x1|x2|y1|y2|width|height|cx|cy|r)="[^"]*\d,\d')


def lighting() -> Project:
    return Project.objects.get(title="Smart street lighting and sensor network")


def french_date(value: Any, name: str = "DATE_FORMAT") -> str:
    with translation.override("fr"):
        return formats.date_format(timezone.localtime(value), name)


def test_the_needs_list_reads_french(client_for, officer):
    html = page(french(client_for(officer)), "/pipeline/needs/")
    assert '<html lang="fr"' in html
    assert "<h1>Besoins et défis</h1>" in html
    assert "Enregistrer un besoin" in html
    assert 'aria-label="Filtrer les besoins"' in html
    assert '<th scope="col">Service</th>' in html
    assert "Tous les statuts" in html  # the filter's choices
    assert "Intégré à un projet" in html  # a need's status
    assert "Cut street-lighting energy by 40%" in html  # the data stays as it was typed


def test_a_need_reads_french_with_its_date_and_budget_the_french_way(client_for, officer):
    need = Need.objects.get(title="Cut street-lighting energy by 40%")
    html = page(french(client_for(officer)), f"/pipeline/needs/{need.pk}/")
    assert f"enregistré par {need.created_by} le {french_date(need.created_at)}" in html
    assert "Autres services ayant un besoin similaire" in html
    assert "Fournisseurs dont les capacités correspondent" in html
    with translation.override("fr"):
        budget = floatformat(need.indicative_budget, "2g")
    assert "," in budget  # 9 000 000,00
    assert "\u202f" in budget
    assert f"<dd>{budget} (" in html
    assert "Joindre le document" in html
    assert "Étude de faisabilité" in html  # the document form's kinds


def test_the_board_and_a_project_read_french(client_for, officer):
    client = french(client_for(officer))
    board = page(client, "/pipeline/projects/")
    assert "<h1>Portefeuille de projets</h1>" in board
    assert typeset("Évaluation de l'opportunité (") in board  # the columns
    assert "Structuration (" in board
    project = lighting()
    html = page(client, f"/pipeline/projects/{project.pk}/")
    assert typeset("Phase : <strong>Structuration</strong>") in html
    assert "piloté par Energy and Street Lighting · passation prévue en 2027" in html
    assert "pour 10 ans" in html
    assert "Jalons de décision" in html
    assert "<td>Approuver</td>" in html
    gate = project.gates.order_by("decided_at").first()
    assert f"<td>{french_date(gate.decided_at, 'DATETIME_FORMAT')}</td>" in html
    assert typeset("Se prononcer sur le jalon de la phase « structuration »") in html
    assert "Renvoyer pour reprise" in html  # the gate form's choices
    assert "Budget mutualisé par service" in html  # the chart's title
    assert not COMMA_COORDINATE.search(html)  # the chart's SVG keeps its coordinates unlocalised


def test_the_roadmap_and_the_opportunities_read_french(client_for, officer, supplier):
    roadmap = page(french(client_for(officer)), "/pipeline/roadmap/")
    assert "<h1>Feuille de route numérique</h1>" in roadmap
    assert "<td>Structuration</td>" in roadmap
    opportunities = page(french(client_for(supplier)), "/pipeline/opportunities/")
    assert "<h1>Opportunités</h1>" in opportunities
    rfi = Rfi.objects.get(project=lighting())
    assert f"<td>{french_date(rfi.response_deadline, 'DATETIME_FORMAT')}</td>" in opportunities
    assert '<span class="badge ok">ouverte</span>' in opportunities


def test_a_market_sounding_reads_french_for_the_city_and_the_supplier(client_for, officer, supplier):
    rfi = Rfi.objects.get(project=lighting())
    city = page(french(client_for(officer)), f"/pipeline/market-soundings/{rfi.pk}/")
    assert typeset("Matrice d'intérêt") in city
    assert "Réponses reçues (1)" in city
    assert "<td>Élevé</td>" in city  # the interest
    assert "Clôturer la consultation du marché" in city
    answered = page(french(client_for(supplier)), f"/pipeline/market-soundings/{rfi.pk}/")
    assert "Votre réponse" in answered
    assert "Modifier votre réponse" in answered
    assert "Seule la ville voit votre réponse." in answered


def test_form_errors_and_messages_are_french(client_for, lead):
    client = french(client_for(lead))
    response = client.post(
        "/pipeline/needs/new/",
        {"title": "Bins", "problem_statement": "Full bins.", "outcomes_sought": "Emptied.", "sdgs": "42"},
    )
    assert response.status_code == 400
    html = text(response)
    assert typeset("« 42 » n'est pas un numéro d'objectif") in html
    assert "Objectifs de développement durable" in html


def test_a_refused_gate_says_why_in_french(client_for, officer):
    project = Project.objects.get(title="Harbour parking guidance")
    services.gate_decide(
        actor=officer, project_id=project.pk, decision="approve", expected_stage="idea", reasons="Worth assessing."
    )
    response = french(client_for(officer)).post(
        f"/pipeline/projects/{project.pk}/gate/",
        {"decision": "approve", "reasons": "Ready.", "expected_stage": "opportunity_assessment"},
    )
    assert response.status_code == 409
    assert typeset("Ce jalon ne peut pas encore être approuvé : aucune présélection PPP n'est enregistrée.") in text(
        response
    )


def test_the_english_pages_still_read_english(client_for, officer):
    project = lighting()
    html = page(client_for(officer), f"/pipeline/projects/{project.pk}/")
    assert '<html lang="en' in html
    assert "Stage: <strong>Structuring</strong>" in html
    assert "led by Energy and Street Lighting · procurement planned 2027, service 2027 for 10 years" in html
    assert "Decide the structuring gate" in html
    assert "<h1>Needs and challenges</h1>" in page(client_for(officer), "/pipeline/needs/")


def test_the_translated_labels_are_the_domain_s_in_english():
    with translation.override("en"):
        assert {stage: str(name) for stage, name in STAGE_NAMES.items()} == STAGE_LABELS
        assert {decision: str(name) for decision, name in DECISION_NAMES.items()} == {d: d.label for d in GateDecision}
    with translation.override("fr"):
        assert str(STAGE_NAMES[Stage.IDEA]) == "Idée"


@pytest.mark.django_db
def test_a_gate_approved_in_french_publishes_english_ocds(city, officer):
    project = Project.objects.get(title="Harbour parking guidance")
    with translation.override("fr"):
        services.gate_decide(
            actor=officer, project_id=project.pk, decision="approve", expected_stage="idea", reasons="À évaluer."
        )
    project.refresh_from_db()
    release = Release.objects.filter(ocid=project.ocid).order_by("-pk").first()
    milestones = release.body["planning"]["milestones"]
    assert [m["title"] for m in milestones] == ["Idea gate approved"]
