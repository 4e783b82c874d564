"""The appraisal in French: screening, partnership model, procurement route, risks, term sheet and the business case
(value for money, cost-benefit, affordability), and the city's commitments register.

What the domain writes (the screening's drivers, the route's rule, the term checker's findings, the analyses'
summaries) stays English; so do the OCDS documents, whichever language the person who publishes them reads.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.template.defaultfilters import floatformat
from django.utils import formats, timezone, translation

from civicpact.appraisal.forms import QUESTION_TEXTS
from civicpact.appraisal.gates import appraisal_documents
from civicpact.appraisal.models import (
    CATEGORY_NAMES,
    JUSTIFICATION_NAMES,
    MODEL_NAMES,
    OUTCOME_NAMES,
    ROUTE_NAMES,
    BusinessCase,
    Risk,
    category_label,
)
from civicpact.appraisal.selectors import RiskRow, risk_register, risk_rows
from civicpact.domain import risks as risk_math
from civicpact.domain.risks import RiskCategory
from civicpact.domain.screening import QUESTIONS, Outcome
from civicpact.domain.structuring import PartnershipModel, Route, SoleSourceJustification
from civicpact.pipeline.models import Project
from tests.i18n.french import NBSP, french, page, text, typeset

COMMA_COORDINATE = re.compile(r'\b(x|y|x1|x2|y1|y2|width|height|cx|cy|r)="[^"]*\d,\d')


def lighting() -> Project:
    return Project.objects.get(title="Smart street lighting and sensor network")


def url(tail: str = "") -> str:
    return f"/appraisal/projects/{lighting().pk}/{tail}"


def french_number(value: Any, digits: str | int = "0g") -> str:
    with translation.override("fr"):
        return floatformat(value, digits)


def french_date(value: Any, name: str = "DATE_FORMAT") -> str:
    with translation.override("fr"):
        return formats.date_format(timezone.localtime(value), name)


def test_the_overview_reads_french(client_for, officer):
    html = page(french(client_for(officer)), url())
    assert '<html lang="fr"' in html
    assert typeset("<h1>Évaluation préalable de « Smart street lighting and sensor network »</h1>") in html
    assert typeset('aria-label="Étapes de l\'évaluation préalable"') in html
    assert "1. Présélection" in html
    assert typeset("6. Dossier d'évaluation préalable") in html
    assert "PPP à approfondir" in html  # the screening's outcome
    assert "Services gérés" in html
    assert "Dialogue compétitif / procédure avec négociation" in html
    assert f"{Risk.objects.filter(register__project=lighting()).count()} risques" in html
    assert "2 lacunes" in html
    assert typeset("Le jalon de la phase « structuration »") in html
    assert "la fiche des conditions présente encore 2 lacune(s)" in html  # why the gate cannot pass yet


def test_the_screening_model_and_route_read_french(client_for, officer):
    client = french(client_for(officer))
    screening = page(client, url("screening/"))
    assert typeset("<h1>Présélection : opportunité d'un PPP</h1>") in screening
    assert typeset("Le besoin public est-il clairement établi ?") in screening  # a question of the form
    assert typeset("en faveur d'un PPP") in screening
    latest = lighting().screenings.first()
    assert f"Enregistrée par {latest.created_by} le {french_date(latest.created_at, 'DATETIME_FORMAT')}." in screening
    model = page(client, url("model/"))
    assert typeset("<strong>Choix : Services gérés</strong>") in model
    assert "<td>Coentreprise</td>" in model  # the ranking, as stored with the choice, named in French
    assert "Enregistrer mon choix" in model
    route = page(client, url("route/"))
    assert typeset("<strong>Choix : Dialogue compétitif / procédure avec négociation</strong>") in route
    assert "Recommander une procédure" in route
    assert "Uniquement à des fins de recherche et de développement" in route  # the justifications


def test_the_risk_register_reads_french_with_french_numbers(client_for, officer):
    html = page(french(client_for(officer)), url("risks/"))
    assert "<h1>Registre et répartition des risques</h1>" in html
    assert 'Obsolescence technologique <span class="mono">' in html  # the category
    assert "<td>partagé (80/20)</td>" in html  # the allocation
    assert "Carte de chaleur" in html
    rows = risk_rows(register=risk_register(project=lighting()))
    assert f"<td>{french_number(rows[0].expected)}</td>" in html
    assert "\u202f" in french_number(rows[0].expected)  # thousands apart with a narrow no-break space


def test_the_term_sheet_reads_french(client_for, officer):
    html = page(french(client_for(officer)), url("terms/"))
    assert typeset("Version 1 : ") in html
    assert '<span class="badge bad">lacune</span>' in html
    assert "Mécanismes de paiement" in html
    assert "Disponibilité" in html
    assert "Télécharger en PDF" in html


def test_the_business_case_reads_french_with_its_figures_the_french_way(client_for, analyst):
    client = french(client_for(analyst))
    html = page(client, url("business-case/"))
    assert typeset("<h1>Dossier d'évaluation préalable : optimisation des ressources</h1>") in html
    run = lighting().vfm_runs.filter(status="done").first()
    assert run is not None
    assert run.result is not None
    vfm, percent = french_number(run.result["vfm"]["mean"]), french_number(run.result["vfm_percent_of_psc"], 1)
    assert typeset(f"Optimisation des ressources : {vfm} ({percent}{NBSP}% du CSP)") in html
    assert "Comparateur du secteur public" in html
    assert "Coût actualisé net de chaque option" in html  # a chart's title
    assert not COMMA_COORDINATE.search(html)  # the charts' SVG keep their coordinates unlocalised
    cba = page(client, url("business-case/cba/"))
    assert "Valeur actualisée nette" in cba
    assert "Ratio avantages-coûts" in cba
    affordability = page(client, url("business-case/affordability/"))
    assert typeset("Dépassement de l'enveloppe à partir de 2028") in affordability
    assert typeset("Budget d'un service") in affordability  # the funding mix's kind
    assert "Source de financement 1" in affordability


def test_the_commitments_register_and_a_run_read_french(client_for, analyst):
    client = french(client_for(analyst))
    html = page(client, "/appraisal/commitments/")
    assert "<h1>Les engagements PPP de la ville</h1>" in html
    assert "<td>Structuration</td>" in html
    run = lighting().vfm_runs.filter(status="done").first()
    assert run is not None
    assert run.result is not None
    progress = page(client, url(f"business-case/runs/{run.pk}/"))
    assert "<strong>terminée</strong>" in progress
    assert f"{french_number(run.iterations)} itérations sur {french_number(run.iterations)}" in progress


def test_a_refusal_and_a_stale_save_are_french(client_for, analyst, officer):
    response = french(client_for(analyst)).post(url("screening/"), {})
    assert response.status_code == 403
    assert "Seule la cellule PPP peut modifier la présélection." in text(response)
    case = BusinessCase.objects.get(project=lighting())
    stale = french(client_for(officer)).post(
        url("business-case/cba/"), {"version": case.version - 1, "cost_capex": "1, 2"}
    )
    assert stale.status_code == 409
    assert typeset("Le dossier d'évaluation préalable a été modifié par") in text(stale)


def test_the_council_report_renders_in_french(client_for, analyst):
    response = french(client_for(analyst)).get(url("business-case.pdf"))
    assert response.status_code in (200, 503)  # 503: this machine lacks Pango


def test_the_english_pages_still_read_english(client_for, officer, analyst):
    html = page(client_for(officer), url())
    assert '<html lang="en' in html
    assert "Appraisal of “Smart street lighting and sensor network”" in html
    assert "PPP worth pursuing" in html
    assert f"{Risk.objects.filter(register__project=lighting()).count()} risks" in html
    assert "2 gaps" in html
    risks = page(client_for(officer), url("risks/"))
    assert "<td>shared (80/20)</td>" in risks
    case = page(client_for(analyst), url("business-case/"))
    assert "Business case: value for money" in case
    assert "of the PSC)" in case


def test_the_translated_labels_are_the_domain_s_in_english():
    with translation.override("en"):
        assert {k: str(v) for k, v in OUTCOME_NAMES.items()} == {o: o.label for o in Outcome}
        assert {k: str(v) for k, v in MODEL_NAMES.items()} == {m: m.label for m in PartnershipModel}
        assert {k: str(v) for k, v in ROUTE_NAMES.items()} == {r: r.label for r in Route}
        assert {k: str(v) for k, v in JUSTIFICATION_NAMES.items()} == {j: j.label for j in SoleSourceJustification}
        assert {k: str(v) for k, v in CATEGORY_NAMES.items()} == {c: category_label(c) for c in RiskCategory}
        assert {k: (str(t), str(h)) for k, (t, h) in QUESTION_TEXTS.items()} == {
            q.key: (q.text, q.help) for q in QUESTIONS
        }
        for share in (0.0, 0.2, 0.5, 1.0):
            zero = Decimal(0)
            row = RiskRow(_Risk(share), zero, zero, zero, "", "", "", 1, 1, "low")  # type: ignore[arg-type]
            assert row.allocation_label == risk_math.allocation_label(share)


class _Risk:
    def __init__(self, share: float) -> None:
        self.share_transferred = share


def test_the_ocds_documents_stay_english_when_published_in_french(city):
    with translation.override("fr"):
        documents = appraisal_documents(lighting())
    rationale = next(d for d in documents if d.document_type == "pppModeRationale")
    assert rationale.description.startswith("Managed services: ")
    assert "Procurement route: Competitive dialogue / negotiation" in rationale.description
