"""The two halves around a publishing process that is killed midway (tests/stress/test_publication_killed.py), each
run as its own process on a database of its own:

    python -m tests.stress.publication_rehearsal setup   # migrate; PROCESSES x CLAIMS claims that have withheld
                                                         # a document each, their end date passed
    civicpact disclose-expired                           # the publication: one release a claim (killed midway)
    python -m tests.stress.publication_rehearsal state   # what the database holds and whether the audit chain
                                                         # verifies, as JSON on stdout

The claims are made 30 days in the past (time_machine, in the setup process only), so that the command, run at the
real date, finds every one of them expired and publishes a disclosure release for each.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Any

PROCESSES = 4  # contracting processes (ocids)
CLAIMS = 30  # claims per process, each withholding one document
PREFIX = "kill-test-"


def setup() -> dict[str, Any]:
    import time_machine
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", interactive=False, verbosity=0)
    from civicpact.accounts import services as accounts
    from civicpact.accounts.models import OrganisationKind, Role
    from civicpact.domain.ocds import DocumentRef, document
    from civicpact.ledger import claims
    from civicpact.ledger.services import ocid_mint, release_append

    with time_machine.travel(timezone.now() - timedelta(days=30), tick=True):
        city = accounts.organisation_create(actor=None, name="City of Port Aurelia", kind=OrganisationKind.CITY)
        officer = accounts.user_create(actor=None, username="officer", password="not-used-1234", validate=False)
        accounts.membership_grant(actor=None, user=officer, organisation=city, role=Role.PROCUREMENT_OFFICER)
        ends_on = timezone.localdate() + timedelta(days=10)
        ocids = []
        for number in range(1, PROCESSES + 1):
            ocid = ocid_mint(actor=officer, obj=f"pipeline.project:{number}", local_id=f"{PREFIX}{number}").ocid
            ocids.append(ocid)
            documents = []
            for index in range(1, CLAIMS + 1):
                claims.claim_create(
                    actor=officer,
                    ocid=ocid,
                    kind="document",
                    target=f"doc-{index}",
                    reason="commercial",
                    ends_on=ends_on,
                    reason_text="pricing model",
                )
                ref = DocumentRef(
                    f"doc-{index}",
                    "technicalSpecifications",
                    f"Specification {index}",
                    timezone.now(),
                    url=f"https://example.org/{ocid}/doc-{index}.pdf",
                    media_type="application/pdf",
                )
                documents.append(document(ref))
            release_append(
                actor=officer,
                ocid=ocid,
                tags=["tender"],
                sections={
                    "buyer": {"id": f"org-{city.pk}", "name": city.name},
                    "tender": {"id": f"tender-{number}", "title": f"Process {number}", "documents": documents},
                },
            )
    return {"ocids": ocids, "claims": PROCESSES * CLAIMS}


def state() -> dict[str, Any]:
    from civicpact.ledger.models import AuditEvent, ChainHead, ConfidentialityClaim, Release, WithheldContent
    from civicpact.ledger.selectors import audit_chain_verify

    releases = [
        {
            "ocid": r.ocid,
            "release_id": r.release_id,
            "date": r.date.isoformat(),
            "tags": r.tags,
            # the documents it publishes with their url: those the release discloses (or never withheld)
            "disclosed": sorted(
                d["id"] for d in r.body.get("tender", {}).get("documents", []) if d.get("url") and r.tags != ["tender"]
            ),
        }
        for r in Release.objects.order_by("ocid", "date")
    ]
    events = list(AuditEvent.objects.order_by("seq").values_list("seq", "action", "object_ref", "hash"))
    head = ChainHead.objects.get(pk=1)
    claims = [
        {"root": c.root_id(), "state": c.state, "ocid": c.ocid, "target": c.target}
        for c in ConfidentialityClaim.objects.order_by("pk")
    ]
    verdict = audit_chain_verify()
    return {
        "verified": {"ok": verdict.ok, "events": verdict.events_checked, "reason": verdict.reason},
        "releases": releases,
        "events": [{"seq": s, "action": a, "object": o, "hash": h} for s, a, o, h in events],
        "head": {"seq": head.seq, "hash": head.hash},
        "claims": claims,
        "withheld": WithheldContent.objects.count(),
    }


if __name__ == "__main__":
    import django

    django.setup()
    phase = sys.argv[1]
    print(json.dumps(setup() if phase == "setup" else state()))
