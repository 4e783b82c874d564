"""Case studies linked from the appraisal steps. All are fictional and say so; the lessons are general practice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

# The appraisal steps a case is relevant to, in words (the keys are the steps' own names).
STEP_LABELS = {
    "screening": _("screening"),
    "model": _("model"),
    "route": _("route"),
    "risks": _("risks"),
    "terms": _("terms"),
}


@dataclass(frozen=True)
class CaseStudy:
    slug: str
    title: _StrOrPromise
    steps: tuple[str, ...]  # screening, model, route, risks, terms
    summary: _StrOrPromise
    lesson: _StrOrPromise

    @property
    def step_labels(self) -> list[str]:
        return [str(STEP_LABELS.get(step, step)) for step in self.steps]


CASES: tuple[CaseStudy, ...] = (
    CaseStudy(
        "lighting",
        _("Harbourside: 20,000 connected street lights (fictional)"),
        ("screening", "model", "risks", "terms"),
        _(
            "A city with no in-house lighting engineers and no capital budget replaced sodium lights with connected "
            "LED under a 10-year managed-services contract paid on availability, with deductions for dark streets."
        ),
        _(
            "The payment mechanism worked because availability was measured from the lights' own telemetry; the gap "
            "was data: nobody had said who owned it, and the city paid again for its own fault history at renewal."
        ),
    ),
    CaseStudy(
        "parking",
        _("Riverton: a smart-parking data partnership (fictional)"),
        ("model", "terms"),
        _(
            "A start-up installed bay sensors at its own cost in exchange for the right to sell parking guidance; the "
            "city received the occupancy data to plan parking policy."
        ),
        _(
            "A data partnership needs the privacy terms first: the impact assessment, the purposes, and what happens "
            "to the data when the partnership ends."
        ),
    ),
    CaseStudy(
        "airquality",
        _("Northvale: pre-commercial procurement of air-quality sensing (fictional)"),
        ("route", "risks"),
        _(
            "No sensor on the market met the accuracy needed at a price the city could deploy street by street. Three "
            "suppliers were paid to design, two to build prototypes, one to run a test series."
        ),
        _(
            "Pre-commercial procurement buys R&D, not products: keep the IP licences the city needs, and plan the "
            "follow-up procurement before the last phase ends."
        ),
    ),
    CaseStudy(
        "flood",
        _("Eastbay: a challenge-based call for flood early warning (fictional)"),
        ("route", "screening"),
        _(
            "The city published the outcome it wanted (six hours' warning of river floods) instead of a specification "
            "and received proposals mixing river sensors, weather models and citizen reports."
        ),
        _(
            "Challenge-based calls widen the field, including SMEs; they need evaluation criteria written for "
            "outcomes and an evaluation panel able to compare unlike solutions."
        ),
    ),
    CaseStudy(
        "shuttle",
        _("Lindholm: an autonomous shuttle living lab (fictional)"),
        ("route", "risks"),
        _(
            "A six-month pilot on a closed campus loop tested autonomous shuttles with real passengers before any "
            "decision to buy."
        ),
        _(
            "A living lab is a test, not a contract for service: agree in advance what the city learns, who owns the "
            "results, and how insurance and incidents are handled."
        ),
    ),
    CaseStudy(
        "broadband",
        _("Coastal towns: a fibre broadband concession (fictional)"),
        ("model", "risks", "terms"),
        _(
            "A concessionaire built and ran a fibre network for 20 years, recovering capital from user revenue, with "
            "ducts handed back to the towns at the end."
        ),
        _(
            "Long concessions need a technology-refresh clause and hand-back conditions that say what state the "
            "assets must be in; demand risk sat with the concessionaire, which priced it in."
        ),
    ),
)


def cases_for(step: str) -> list[CaseStudy]:
    return [c for c in CASES if step in c.steps]
