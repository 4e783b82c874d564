from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicpact.domain import ocds


def test_an_ocid_is_the_prefix_and_the_local_id():
    assert ocds.make_ocid("ocds-cvp0dm", "project-12") == "ocds-cvp0dm-project-12"


@pytest.mark.parametrize("prefix", ["ocds-ABCDEF", "ocds-abc", "ocid-abcdef", ""])
def test_a_malformed_prefix_is_refused(prefix):
    with pytest.raises(ValueError, match="six lower-case"):
        ocds.make_ocid(prefix, "x")


def test_a_local_id_with_a_slash_is_refused():
    with pytest.raises(ValueError, match="letters, digits"):
        ocds.make_ocid("ocds-cvp0dm", "a/b")


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    st.integers(-12, 12),
)
def test_dates_are_written_in_utc_with_a_z(moment, offset_hours):
    local = moment.astimezone(timezone(timedelta(hours=offset_hours)))
    text = ocds.format_date(local)
    assert text.endswith("Z")
    assert datetime.fromisoformat(text.replace("Z", "+00:00")) == moment.replace(
        microsecond=moment.microsecond // 1000 * 1000
    )


def test_a_release_has_the_required_fields_first():
    release = ocds.build_release(
        ocid="ocds-cvp0dm-1",
        release_id="ocds-cvp0dm-1-00001",
        date=datetime(2026, 3, 1, tzinfo=UTC),
        tags=["planning"],
        sections={"planning": {"rationale": "x"}},
    )
    assert list(release)[:5] == ["ocid", "id", "date", "tag", "initiationType"]
    assert release["planning"] == {"rationale": "x"}


def test_a_section_cannot_overwrite_a_required_field():
    with pytest.raises(ValueError, match="overwrite"):
        ocds.build_release(
            ocid="o",
            release_id="r",
            date=datetime(2026, 3, 1, tzinfo=UTC),
            tags=["planning"],
            sections={"ocid": "other"},
        )


def test_a_release_needs_a_tag():
    with pytest.raises(ValueError, match="tag"):
        ocds.build_release(ocid="o", release_id="r", date=datetime(2026, 3, 1, tzinfo=UTC), tags=[])


def test_the_package_declares_the_fourteen_ppp_extensions():
    package = ocds.release_package(
        [], uri="https://x.example/p.json", published_date=datetime(2026, 3, 1, tzinfo=UTC), publisher_name="City"
    )
    assert len(package["extensions"]) == 14
    assert "ocds_ppp_extension/1.1/extension.json" in " ".join(package["extensions"])


def test_a_pooled_budget_is_published_as_one_total_with_each_funder():
    from decimal import Decimal

    plan = ocds.ProjectPlan(
        project_id="project-1",
        title="Lights",
        description="LED",
        rationale="Save energy",
        currency="EUR",
        buyer=ocds.PartyShare("org-1", "Energy", Decimal(0)),
        shares=(
            ocds.PartyShare("org-1", "Energy", Decimal("900.005")),
            ocds.PartyShare("org-2", "Transport", Decimal(100)),
        ),
    )
    sections = ocds.project_planning_sections(plan)
    assert sections["planning"]["budget"]["amount"] == {"amount": 1000.01, "currency": "EUR"}
    assert {p["id"]: p["roles"] for p in sections["parties"]} == {"org-1": ["buyer", "funder"], "org-2": ["funder"]}
    assert "milestones" not in sections["planning"]


def test_money_rounds_halves_up_to_the_cent():
    from decimal import Decimal

    from civicpact.domain.money import to_cents

    assert to_cents(Decimal("0.005")) == Decimal("0.01")
    assert to_cents(Decimal("-0.005")) == Decimal("-0.01")
    assert to_cents(Decimal("2.344")) == Decimal("2.34")
