"""The domain's names of procedures and stages, marked for the catalogue (civicpact.domain.tendering stays free of
Django, so it cannot mark them itself). They stay English in the data (OCDS, the API); a page says them in the
reader's language with `gettext` (`{% translate tender.procedure_label %}`). tests/i18n/test_tendering_fr.py
checks that every name the domain has is here."""

from __future__ import annotations

from django.utils.translation import gettext_noop

PROCEDURES = (
    gettext_noop("Open tender (single stage)"),
    gettext_noop("Restricted / multi-stage (pre-qualification, shortlist, invited bids)"),
    gettext_noop("Competitive dialogue or negotiation (rounds, best and final offer)"),
    gettext_noop("Pre-commercial procurement (solution design, prototype, test series)"),
    gettext_noop("Challenge-based call (problem and outcome published, solutions scored)"),
    gettext_noop("Unsolicited proposal with a Swiss challenge"),
    gettext_noop("Direct award (justified sole source)"),
)
# the same without their parenthesis, as the list of tenders filters them
PROCEDURES_SHORT = (
    gettext_noop("Open tender"),
    gettext_noop("Restricted / multi-stage"),
    gettext_noop("Competitive dialogue or negotiation"),
    gettext_noop("Pre-commercial procurement"),
    gettext_noop("Challenge-based call"),
    gettext_noop("Direct award"),
)
STAGES = (
    gettext_noop("Single stage: bids, then the award"),
    gettext_noop("Pre-qualification: applications scored, a shortlist kept"),
    gettext_noop("Invited bids from the shortlist, then the award"),
    gettext_noop("Dialogue round: solutions revised, participants kept"),
    gettext_noop("Best and final offer: locked, then the award"),
    gettext_noop("PCP phase 1: solution design"),
    gettext_noop("PCP phase 2: prototype"),
    gettext_noop("PCP phase 3: original development and test series"),
    gettext_noop("Competing offers against the proponent's proposal, then the award"),
)
# a stage as a sentence names it: "Your bid at pre-qualification of …"
STAGE_NAMES = (
    gettext_noop("a single stage"),
    gettext_noop("pre-qualification"),
    gettext_noop("invited bids"),
    gettext_noop("a dialogue round"),
    gettext_noop("the best and final offer"),
    gettext_noop("solution design"),
    gettext_noop("prototype"),
    gettext_noop("the test series"),
    gettext_noop("competing offers"),
)
