from datetime import date

import pytest

from civicpact.domain import redaction
from civicpact.domain.redaction import Claim

UNTIL = date(2027, 1, 31)


def field_claim(target: str, claim_id: int = 1) -> Claim:
    return Claim(claim_id, redaction.FIELD, target, "commercial", UNTIL)


def test_a_field_is_withheld_in_every_matching_element_and_the_fragment_restores_each():
    sections = {"contracts": [{"id": "a", "awardID": "x", "value": 1}, {"id": "b", "awardID": "y", "value": 2}]}
    out, withheld = redaction.redact(sections, [field_claim("contracts/*/value")])
    assert [c.get("value") for c in out["contracts"]] == [None, None]
    assert withheld[0].fragment == {
        "contracts": [
            {"id": "a", "awardID": "x", "value": 1, "description": None},
            {"id": "b", "awardID": "y", "value": 2, "description": None},
        ]
    }
    assert sections["contracts"][0]["value"] == 1  # the input is not changed


def test_a_path_segment_may_name_one_element_by_id():
    sections = {"contracts": [{"id": "a", "awardID": "x", "value": 1}, {"id": "b", "awardID": "y", "value": 2}]}
    out, _ = redaction.redact(sections, [field_claim("contracts/b/value")])
    assert [c.get("value") for c in out["contracts"]] == [1, None]


def test_a_claim_that_matches_nothing_withholds_nothing():
    sections = {"tender": {"id": "t", "documents": [{"id": "d1", "url": "https://e.org/d1"}]}}
    out, withheld = redaction.redact(sections, [Claim(1, redaction.DOCUMENT, "d2", "security", UNTIL)])
    assert out == sections
    assert withheld == []


def test_documents_are_found_at_any_depth():
    sections = {"contracts": [{"id": "c", "awardID": "a", "implementation": {"documents": [{"id": "d", "url": "u"}]}}]}
    out, withheld = redaction.redact(sections, [Claim(3, redaction.DOCUMENT, "d", "personal_data", UNTIL)])
    assert out["contracts"][0]["implementation"]["documents"] == [
        {"id": "d", "title": "Withheld document", "accessDetails": "Withheld: personal data, until 2027-01-31."}
    ]
    assert withheld[0].fragment == {
        "contracts": [
            {
                "id": "c",
                "awardID": "a",
                "implementation": {"documents": [{"id": "d", "url": "u", "accessDetails": None}]},
            }
        ]
    }


@pytest.mark.parametrize(
    ("path", "anchor"),
    [
        ("contracts/*/value", "contracts/*"),
        ("contracts/*/period/endDate", "contracts/*"),
        ("tender/value", "tender"),
        ("awards/a1/value", "awards/a1"),
        ("planning/budget/amount", "planning/budget"),
        ("bids/details/*/value", None),
        ("parties/*/address", None),
    ],
)
def test_the_note_goes_to_the_nearest_described_object(path, anchor):
    assert redaction.note_anchor(path) == anchor


def test_disclosure_tags_follow_the_sections():
    assert redaction.disclosure_tags({"contracts": [], "tender": {}}) == ["contractUpdate", "tenderUpdate"]
