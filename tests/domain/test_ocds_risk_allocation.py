"""domain.ocds.risk_allocation: our register's risks in the risk allocation extension's shape and codelists."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain.ocds import AllocatedRisk, risk_allocation
from civicpact.domain.risks import RiskCategory

CODELISTS = Path(os.environ.get("CIVICPACT_OCDS_DIR", "/work/shared/ocds")) / "ppp-profile/schema/patched/codelists"


def codes(name):
    with (CODELISTS / name).open(encoding="utf-8") as handle:
        return {row["Code"] for row in csv.DictReader(handle)}


def risk(**change):
    fields: dict[str, Any] = {
        "risk_id": "risk-1",
        "category": RiskCategory.DATA_PROTECTION,
        "category_label": "Data protection",
        "title": "Personal data leaked",
        "description": "Plates of parked cars.",
        "share_transferred": 0.8,
        "reason": "The partner runs the platform.",
    }
    return AllocatedRisk(**(fields | change))


def test_a_risk_is_published_with_the_coarser_ocds_category_and_our_own_in_the_notes():
    assert risk_allocation([risk()]) == [
        {
            "id": "risk-1",
            "category": "compliance",
            "description": "Personal data leaked: Plates of parked cars.",
            "allocation": "privateParty",
            "notes": "Shared: 80% private party, 20% public authority. Register category: Data protection. "
            "The partner runs the platform.",
        }
    ]


def test_empty_texts_are_left_out_rather_than_published_empty():
    (entry,) = risk_allocation([risk(description="", reason="  ", share_transferred=1.0)])
    assert entry["description"] == "Personal data leaked"
    assert entry["notes"] == "Wholly transferred to the private party. Register category: Data protection."


@given(st.sampled_from(list(RiskCategory)), st.floats(min_value=0, max_value=1))
def test_every_category_and_share_maps_into_the_profiles_codelists(category, share):
    (entry,) = risk_allocation([risk(category=category, share_transferred=share)])
    assert entry["category"] in codes("riskCategory.csv")
    assert entry["allocation"] in codes("riskAllocation.csv")
