"""Case studies linked from the appraisal steps. All are fictional and say so; the lessons are general practice."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaseStudy:
    slug: str
    title: str
    steps: tuple[str, ...]  # screening, model, route, risks, terms
    summary: str
    lesson: str


CASES: tuple[CaseStudy, ...] = (
    CaseStudy(
        "lighting",
        "Harbourside: 20,000 connected street lights (fictional)",
        ("screening", "model", "risks", "terms"),
        "A city with no in-house lighting engineers and no capital budget replaced sodium lights with connected LED "
        "under a 10-year managed-services contract paid on availability, with deductions for dark streets.",
        "The payment mechanism worked because availability was measured from the lights' own telemetry; the gap "
        "was data: nobody had said who owned it, and the city paid again for its own fault history at renewal.",
    ),
    CaseStudy(
        "parking",
        "Riverton: a smart-parking data partnership (fictional)",
        ("model", "terms"),
        "A start-up installed bay sensors at its own cost in exchange for the right to sell parking guidance; the "
        "city received the occupancy data to plan parking policy.",
        "A data partnership needs the privacy terms first: the impact assessment, the purposes, and what happens "
        "to the data when the partnership ends.",
    ),
    CaseStudy(
        "airquality",
        "Northvale: pre-commercial procurement of air-quality sensing (fictional)",
        ("route", "risks"),
        "No sensor on the market met the accuracy needed at a price the city could deploy street by street. Three "
        "suppliers were paid to design, two to build prototypes, one to run a test series.",
        "Pre-commercial procurement buys R&D, not products: keep the IP licences the city needs, and plan the "
        "follow-up procurement before the last phase ends.",
    ),
    CaseStudy(
        "flood",
        "Eastbay: a challenge-based call for flood early warning (fictional)",
        ("route", "screening"),
        "The city published the outcome it wanted (six hours' warning of river floods) instead of a specification "
        "and received proposals mixing river sensors, weather models and citizen reports.",
        "Challenge-based calls widen the field, including SMEs; they need evaluation criteria written for outcomes "
        "and an evaluation panel able to compare unlike solutions.",
    ),
    CaseStudy(
        "shuttle",
        "Lindholm: an autonomous shuttle living lab (fictional)",
        ("route", "risks"),
        "A six-month pilot on a closed campus loop tested autonomous shuttles with real passengers before any "
        "decision to buy.",
        "A living lab is a test, not a contract for service: agree in advance what the city learns, who owns the "
        "results, and how insurance and incidents are handled.",
    ),
    CaseStudy(
        "broadband",
        "Coastal towns: a fibre broadband concession (fictional)",
        ("model", "risks", "terms"),
        "A concessionaire built and ran a fibre network for 20 years, recovering capital from user revenue, with "
        "ducts handed back to the towns at the end.",
        "Long concessions need a technology-refresh clause and hand-back conditions that say what state the assets "
        "must be in; demand risk sat with the concessionaire, which priced it in.",
    ),
)


def cases_for(step: str) -> list[CaseStudy]:
    return [c for c in CASES if step in c.steps]
