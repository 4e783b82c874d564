"""The performance pages in French (docs/languages.md): the dashboard, a statement (and its PDF's HTML), the overview,
the regime form, the incident log and an incident, the remediation plans, the scores, the drill-down and the
supplier's record; money and dates the French way; the same pages still read English for an English reader."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import formats, timezone, translation

from civicpact import l10n
from civicpact.performance import services
from civicpact.performance.report_views import _statement_context
from tests.contracts.test_contracts import legacy_terms, parking_project  # noqa: F401
from tests.contracts.test_milestones import live  # noqa: F401
from tests.i18n.french import NBSP, french, page
from tests.performance.test_dashboard import loaded  # noqa: F401
from tests.performance.test_incidents import kpis, report, respond_and_fix  # noqa: F401
from tests.performance.test_statements import last_month, metered  # noqa: F401


def pdf_reads_french(user, contract, month, statement):
    """The statement PDF's HTML (what WeasyPrint prints) in French."""
    request = RequestFactory().get("/")
    request.user = user
    with translation.override("fr"):
        html = render_to_string(
            "performance/statement_pdf.html", _statement_context(request, contract.pk, statement.pk)
        )
    assert '<html lang="fr"' in html
    assert f"Relevé de paiement — {month}" in html
    assert "<strong>ÉMIS</strong> le " in html
    assert "1. Le mois en chiffres" in html
    assert "Objectif atteint" in html
    assert 'counter(page) " sur " counter(pages)' in html


def test_the_dashboard_and_the_statement_read_french_with_french_money_and_dates(
    client_for,
    manager,
    supplier,
    loaded,  # noqa: F811
):
    contract, month, statement = loaded
    services.statement_issue(actor=manager, statement_id=statement.pk)
    statement.refresh_from_db()
    base = f"/contracts/{contract.pk}/performance/"

    html = page(french(client_for(manager)), f"{base}dashboard/")
    assert '<html lang="fr"' in html
    assert f"Tableau de bord de performance{NBSP}: " in html
    assert f"Chiffres clés{NBSP}: {month}" in html
    assert "Disponibilité contractuelle" in html
    assert "Objectif atteint" in html  # the availability light
    assert f"Disponibilité par équipement et par jour{NBSP}: {month}" in html
    assert "Les 4 équipements sont tous affichés." in html
    assert "Déductions par mois" in html
    assert "Jalons" in html
    with translation.override("fr"):
        applied = l10n.money(statement.deductions, "EUR")
        cap = l10n.money(statement.figures["cap_amount"], "EUR")
        net = floatformat(statement.net, "2g")
    assert applied.endswith(f"{NBSP}€")
    assert "," in applied
    assert applied in html  # the lights' money: "1 234,56 €"
    assert f"plafond {cap}" in html
    assert net in html
    assert "," in net
    assert "Performance dashboard" not in html
    assert "On target" not in html

    html = page(french(client_for(supplier)), f"{base}statements/{statement.pk}/")
    assert f"Relevé de paiement {month}{NBSP}: " in html
    assert f"Émis{NBSP}: figé" in html
    assert "Redevance unitaire mensuelle" in html
    assert "Paiement net" in html
    assert "Contester la ligne" in html  # the partner's dispute form
    with translation.override("fr"):
        issued = formats.date_format(timezone.localtime(statement.issued_at), "DATETIME_FORMAT")
    assert f"émis le {issued} par " in html
    with translation.override("en"):
        assert issued != formats.date_format(timezone.localtime(statement.issued_at), "DATETIME_FORMAT")

    pdf_reads_french(manager, contract, month, statement)

    english = page(client_for(manager), f"{base}dashboard/")
    assert '<html lang="en' in english
    assert "Performance dashboard: " in english
    assert "On target" in english
    with translation.override("en"):
        assert l10n.money(statement.deductions, "EUR") in english  # "€1,234.56"
    assert "Tableau de bord" not in english


def test_the_drilldown_overview_and_regime_form_read_french(client_for, manager, loaded):  # noqa: F811
    contract, month, statement = loaded
    base = f"/contracts/{contract.pk}/performance/"
    client = french(client_for(manager))

    html = page(client, f"{base}statements/{statement.pk}/assets/SL-0002/")
    assert f"SL-0002 en {month}{NBSP}: d'où viennent ses chiffres" in html
    assert "Interruptions" in html
    assert "Jour par jour" in html
    assert "palier 1 (\u00d71" in html  # the event's ratchet tier
    assert re.search(r">(lun|mar|mer|jeu|ven|sam|dim) \d+ ", html)  # the days' names in French

    html = page(client, base)
    assert "Registre des équipements" in html
    assert "4 équipements dans le registre." in html
    assert "Relevés de paiement" in html
    assert "Calculer le relevé du mois" in html
    assert "Fichier de télémesures (CSV, NDJSON ou Parquet)" in html  # a form label

    html = page(client, f"{base}regime/form/")
    assert "Modifier le régime de performance" in html
    assert "Redevance unitaire annuelle" in html
    assert "Intervalle de mesure" in html
    assert "15 minutes" in html
    assert "Paliers de majoration" in html
    assert "Enregistrer comme nouvelle version" in html

    bad = client.get(f"{base}dashboard/", {"month": "2026-13"})
    assert bad.status_code == 400
    assert f"n'est pas un mois{NBSP}: écrivez-le sous la forme AAAA-MM" in unescape(bad.content.decode())


def test_the_incident_log_plans_and_scores_read_french(client_for, manager, supplier, kpis):  # noqa: F811
    base = f"/contracts/{kpis.pk}/performance/"
    late = report(kpis, manager)
    respond_and_fix(late, supplier, respond_after=timedelta(hours=1), fix_after=timedelta(hours=30))
    open_one = report(kpis, manager, days=6, priority="high")
    client = french(client_for(manager))

    html = page(client, f"{base}incidents/")
    assert f"Registre des incidents{NBSP}: " in html
    assert "Signaler un incident" in html
    assert "Nature et lieu du problème" in html
    assert "<td>Haute</td>" in html  # the priority, in its own context: "Élevé" is the interest of a market sounding
    with translation.override("fr"):
        reported = formats.date_format(timezone.localtime(open_one.reported_at), "DATETIME_FORMAT")
    assert reported in html

    html = page(french(client_for(supplier)), f"{base}incidents/{open_one.pk}/")
    assert f"Incident n°{NBSP}{open_one.pk}{NBSP}: " in html
    assert "Enregistrer l'intervention" in html
    assert "Intervention le" in html
    assert f"Ouvert{NBSP}: pas encore d'intervention" in html

    html = page(client, f"{base}incidents/{late.pk}/")
    assert f"manqué{NBSP}: compte en {last_month()[0]}" in html
    assert "réparation sous 24 heures" in html

    deadline = (timezone.localdate() + timedelta(days=20)).isoformat()
    raised = client.post(
        f"{base}remediation/", {"title": "Slow fixes", "actions": "More crews.", "deadline": deadline}
    )
    assert raised.status_code == 302
    html = page(client, raised["Location"])
    assert f"Plan de correction{NBSP}: Slow fixes" in html  # the title stays as typed
    assert f"Ouvert{NBSP}: en attente du plan du partenaire" in html
    assert "Le plan de correction est ouvert" in html  # the success message
    assert "Soumettre le plan" in page(french(client_for(supplier)), raised["Location"])

    html = page(client, f"{base}scores/")
    assert f"Notes des indicateurs périodiques{NBSP}: " in html
    assert "User satisfaction (objectif 4,0)" in html  # the KPI's name as written, its target the French way
    assert "Enregistrer la note" in html

    english = page(client_for(manager), f"{base}incidents/")
    assert "Incident log: " in english
    assert "Report an incident" in english


def test_the_supplier_record_reads_french(client_for, manager, supplier, loaded):  # noqa: F811
    contract, _month, statement = loaded
    services.statement_issue(actor=manager, statement_id=statement.pk)
    partner = next(p for p in contract.latest.parties if p["role"] == "partner")
    organisation = partner["organisation"]
    html = page(french(client_for(manager)), f"/contracts/suppliers/{organisation}/performance/")
    assert f"Bilan de performance{NBSP}: {partner['name']}" in html
    assert "Le bilan global" in html
    assert "Mois avec un relevé émis" in html
    assert "Disponibilité moyenne (objectif)" in html
    with translation.override("fr"):
        assert floatformat(Decimal(statement.deductions), "2g") in html
