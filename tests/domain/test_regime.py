"""The performance regime document: reading, checking, writing (docs/performance-regime.md)."""

import copy
import importlib.util
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from civicpact.domain.performance.regime import (
    DAYS,
    INTERVALS,
    KPI_KINDS,
    Availability,
    Regime,
    RegimeInputError,
    ServiceHours,
    regime_from_mapping,
    regime_from_text,
    regime_to_mapping,
    regime_to_text,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_FILE = ROOT / "docs" / "examples" / "regime.yaml"
SCHEMA = json.loads((ROOT / "src" / "civicpact" / "schemas" / "regime.schema.json").read_text())
HAVE_YAML = importlib.util.find_spec("yaml") is not None
needs_yaml = pytest.mark.skipif(not HAVE_YAML, reason="PyYAML is not installed")

EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# docs/examples/regime.yaml (the doc's example) as plain data
EXAMPLE: dict[str, Any] = {
    "format": 1,
    "currency": "EUR",
    "unitary_charge": {"annual": "1200000.00", "indexation": {"index": "CPI", "base": "100.0"}},
    "measurement": {"interval_minutes": 15, "timezone": "Europe/Lisbon", "missing_data": "unavailable"},
    "availability": {
        "target_percent": "99.0",
        "rectification_minutes": 240,
        "ubu_factor": "0.5",
        "ratchet": ["1.0", "1.5", "2.0"],
        "mode": "share",
        "rate": None,
    },
    "asset_classes": [
        {
            "key": "streetlight",
            "name": "Street light",
            "weighting": "80",
            "service_hours": [{"days": EVERY_DAY, "from": "00:00", "to": "24:00"}],
        },
        {
            "key": "sensor",
            "name": "Environmental sensor",
            "weighting": "20",
            "service_hours": [{"days": EVERY_DAY, "from": "00:00", "to": "24:00"}],
        },
    ],
    "kpis": [
        {
            "key": "fix_time",
            "name": "Fault fixed within 24 hours",
            "kind": "fix_time",
            "target": 24,
            "deduction_per_failure": "250.00",
        }
    ],
    "bonus": {"threshold_percent": "99.8", "percent": "1.0"},
    "cap_percent": "20",
}

DELETE = object()


def changed(*edits: tuple[tuple[str | int, ...], Any]) -> dict[str, Any]:
    """The example with values replaced (or deleted) at the given paths."""
    data = copy.deepcopy(EXAMPLE)
    for path, value in edits:
        *parents, last = path
        here: Any = data
        for step in parents:
            here = here[step]
        if value is DELETE:
            del here[last]
        else:
            here[last] = value
    return data


def refused(data: Any) -> RegimeInputError:
    with pytest.raises(RegimeInputError) as caught:
        regime_from_mapping(data)
    return caught.value


def schema_errors(data: Any) -> list[str]:
    return [error.message for error in Draft202012Validator(SCHEMA).iter_errors(data)]


# Reading the example


def test_the_example_reads_into_decimals_and_whole_numbers():
    regime = regime_from_mapping(EXAMPLE)
    assert regime.format == 1
    assert regime.currency == "EUR"
    assert regime.unitary_charge.annual == Decimal("1200000.00")
    assert regime.unitary_charge.indexation is not None
    assert regime.unitary_charge.indexation.base == Decimal("100.0")
    assert regime.measurement.interval_minutes == 15
    assert regime.availability.ratchet == (Decimal("1.0"), Decimal("1.5"), Decimal("2.0"))
    assert regime.availability.rate is None
    assert [c.weighting for c in regime.asset_classes] == [Decimal(80), Decimal(20)]
    assert regime.asset_classes[0].service_hours == (ServiceHours(tuple(EVERY_DAY), "00:00", "24:00"),)
    assert regime.asset_classes[0].service_hours[0].to_minute == 1440
    assert regime.asset_classes[0].service_hours[0].weekdays == frozenset(range(7))
    assert regime.kpis[0].target == Decimal(24)
    assert regime.bonus is not None
    assert regime.bonus.threshold_percent == Decimal("99.8")
    assert regime.cap_percent == Decimal(20)
    assert regime.asset_class("sensor").name == "Environmental sensor"


def test_tiers_and_rectification_slots():
    regime = regime_from_mapping(EXAMPLE)
    assert regime.availability.tiers == 3
    # 240 minutes of rectification in 15-minute intervals: 16 slots
    assert regime.rectification_slots == 16
    assert regime_from_mapping(changed((("availability", "rectification_minutes"), 0))).rectification_slots == 0
    hourly = changed((("measurement", "interval_minutes"), 60))
    assert regime_from_mapping(hourly).rectification_slots == 4


@pytest.mark.parametrize("ratchet", [[], None, DELETE])
def test_an_empty_or_missing_ratchet_is_one_tier_with_multiplier_1(ratchet):
    regime = regime_from_mapping(changed((("availability", "ratchet"), ratchet)))
    assert regime.availability.ratchet == ()
    assert regime.availability.tiers == 1
    assert regime.availability.multipliers == (Decimal(1),)


def test_optional_parts_may_be_left_out():
    regime = regime_from_mapping(
        changed(
            (("unitary_charge", "indexation"), DELETE),
            (("availability", "rate"), DELETE),
            (("kpis",), DELETE),
            (("bonus",), DELETE),
            (("asset_classes", 0, "name"), DELETE),
        )
    )
    assert regime.unitary_charge.indexation is None
    assert regime.kpis == ()
    assert regime.bonus is None
    assert regime.asset_classes[0].name == "streetlight"  # the key stands in for a missing name


def test_amounts_may_be_numbers_and_floats_read_through_their_decimal_form():
    regime = regime_from_mapping(
        changed(
            (("unitary_charge", "annual"), 1200000),
            (("availability", "ubu_factor"), 0.1),
            (("asset_classes", 0, "weighting"), 80.0),
            (("asset_classes", 1, "weighting"), Decimal(20)),
        )
    )
    assert regime.unitary_charge.annual == Decimal(1200000)
    assert regime.availability.ubu_factor == Decimal("0.1")  # not 0.1000000000000000055511151231257827
    assert regime.asset_classes[0].weighting == Decimal(80)


def test_a_rate_mode_regime_has_its_rate():
    regime = regime_from_mapping(changed((("availability", "mode"), "rate"), (("availability", "rate"), "2.50")))
    assert regime.availability.mode == "rate"
    assert regime.availability.rate == Decimal("2.50")


def test_service_hours_may_split_a_day_and_differ_by_day():
    hours = [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "06:00", "to": "12:00"},
        {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "12:00", "to": "22:00"},  # touching, not overlapping
        {"days": ["sat", "sun"], "from": "08:00", "to": "20:00"},
        {"days": ["fri"], "from": "22:00", "to": "24:00"},
        {"days": ["sat"], "from": "00:00", "to": "02:00"},  # Friday night across midnight, split in two
    ]
    regime = regime_from_mapping(changed((("asset_classes", 1, "service_hours"), hours)))
    assert [(h.from_minute, h.to_minute) for h in regime.asset_classes[1].service_hours] == [
        (360, 720),
        (720, 1320),
        (480, 1200),
        (1320, 1440),
        (0, 120),
    ]


def test_a_regime_built_in_code_is_checked_too():
    regime = regime_from_mapping(EXAMPLE)
    with pytest.raises(RegimeInputError) as caught:
        Regime(
            currency=regime.currency,
            unitary_charge=regime.unitary_charge,
            measurement=regime.measurement,
            availability=Availability(Decimal(99), 240, Decimal("1.5")),
            asset_classes=regime.asset_classes,
            cap_percent=Decimal(20),
        )
    assert caught.value.field == "availability.ubu_factor"


# The schema and the example file


def test_the_schema_is_valid_and_accepts_the_example_as_data_and_as_written():
    Draft202012Validator.check_schema(SCHEMA)
    assert schema_errors(EXAMPLE) == []
    assert schema_errors(regime_to_mapping(regime_from_mapping(EXAMPLE))) == []


def test_the_schema_refuses_what_the_shape_rules_out():
    assert any("'colour' was unexpected" in e for e in schema_errors({**EXAMPLE, "colour": "red"}))
    assert any("7 is not one of" in e for e in schema_errors(changed((("measurement", "interval_minutes"), 7))))
    assert any("does not match" in e for e in schema_errors(changed((("cap_percent",), "20 %"))))
    assert any(
        "'moon' is not one of" in e
        for e in schema_errors(changed((("asset_classes", 0, "service_hours", 0, "days"), ["moon"])))
    )
    assert any("is a required property" in e for e in schema_errors(changed((("measurement", "timezone"), DELETE))))


def test_every_property_of_the_schema_has_a_description():
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for name, child in node.get("properties", {}).items():
                assert "description" in child, f"{where}.{name} has no description"
            for key, child in node.items():
                walk(child, f"{where}.{key}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, f"{where}[{index}]")

    walk(SCHEMA, "schema")


@needs_yaml
def test_the_example_file_is_valid_against_the_schema_and_reads_as_the_example():
    import yaml

    text = EXAMPLE_FILE.read_text()
    assert schema_errors(yaml.safe_load(text)) == []
    assert regime_from_text(text) == regime_from_mapping(EXAMPLE)
    assert regime_from_text(text, format="yaml") == regime_from_mapping(EXAMPLE)


# Reading and writing text, in YAML and in JSON


def test_json_text_round_trips_and_reads_numbers_exactly():
    regime = regime_from_mapping(EXAMPLE)
    text = regime_to_text(regime, "json")
    assert json.loads(text)["unitary_charge"]["annual"] == "1200000.00"
    assert regime_from_text(text, format="json") == regime
    as_numbers = json.dumps(changed((("availability", "ubu_factor"), 0.1))).replace('"0.1"', "0.1")
    assert regime_from_text(as_numbers, format="json").availability.ubu_factor == Decimal("0.1")


def test_bad_json_names_the_document_and_the_line():
    with pytest.raises(RegimeInputError) as caught:
        regime_from_text('{"format": 1,\n "currency": }', format="json")
    assert caught.value.field == "(document)"
    assert "not valid JSON: line 2 column" in str(caught.value)


def test_json_nan_is_refused():
    with pytest.raises(RegimeInputError, match="NaN is not a number"):
        regime_from_text(json.dumps(EXAMPLE).replace('"0.5"', "NaN"), format="json")


def test_an_unknown_text_format_is_a_programming_error():
    with pytest.raises(ValueError, match="format must be 'yaml' or 'json'"):
        regime_from_text("{}", format="toml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="format must be 'yaml' or 'json'"):
        regime_to_text(regime_from_mapping(EXAMPLE), "toml")  # type: ignore[arg-type]


def test_a_document_over_the_size_limit_is_refused():
    with pytest.raises(RegimeInputError, match="the limit is"):
        regime_from_text(" " * 1_000_001, format="json")


@needs_yaml
def test_yaml_text_round_trips_with_times_in_quotes():
    regime = regime_from_mapping(EXAMPLE)
    text = regime_to_text(regime)
    assert 'from: "00:00"' in text
    assert 'to: "24:00"' in text
    assert regime_from_text(text) == regime


@needs_yaml
def test_an_unquoted_yaml_time_is_refused_with_a_hint_to_quote_it():
    text = EXAMPLE_FILE.read_text().replace('from: "00:00"', "from: 10:30", 1)
    with pytest.raises(RegimeInputError) as caught:
        regime_from_text(text)
    assert caught.value.field == "asset_classes[0].service_hours[0].from"
    assert 'a time in quotes, such as "10:30"' in str(caught.value)


@needs_yaml
def test_bad_yaml_names_the_document_and_the_line():
    with pytest.raises(RegimeInputError) as caught:
        regime_from_text("format: 1\ncurrency: [EUR\n")
    assert caught.value.field == "(document)"
    assert "not valid YAML: line 3" in str(caught.value)


@needs_yaml
@pytest.mark.parametrize("text", ["", "- 1\n- 2\n", "just text\n"])
def test_a_yaml_document_that_is_not_an_object_is_refused(text):
    with pytest.raises(RegimeInputError) as caught:
        regime_from_text(text)
    assert caught.value.field == "(top level)"
    assert "the regime must be an object" in str(caught.value)


# Bad input: every check named in the doc, and the others


@pytest.mark.parametrize(
    ("edits", "field", "words"),
    [
        # weightings that do not add up to 100
        (
            [(("asset_classes", 1, "weighting"), "10")],
            "asset_classes",
            "the weightings add up to 90, not 100",
        ),
        ([(("asset_classes", 1, "weighting"), "20.01")], "asset_classes", "add up to 100.01, not 100"),
        ([(("asset_classes", 0, "weighting"), "101")], "asset_classes[0].weighting", "from 0 to 100"),
        ([(("asset_classes", 0, "weighting"), "-5")], "asset_classes[0].weighting", "from 0 to 100"),
        # a cap over 100% or below 0
        ([(("cap_percent",), "100.5")], "cap_percent", "cap_percent is 100.5: give a percentage"),
        ([(("cap_percent",), "-1")], "cap_percent", "from 0 to 100"),
        # an interval that does not divide a day (or is not one of the six)
        ([(("measurement", "interval_minutes"), 7)], "measurement.interval_minutes", "give 5, 10, 15, 20, 30 or 60"),
        ([(("measurement", "interval_minutes"), 45)], "measurement.interval_minutes", "must divide the day"),
        ([(("measurement", "interval_minutes"), "15")], "measurement.interval_minutes", "must be a whole number"),
        ([(("measurement", "interval_minutes"), True)], "measurement.interval_minutes", "must be a whole number"),
        # service hours that overlap on a day or end before they start
        (
            [
                (
                    ("asset_classes", 1, "service_hours"),
                    [
                        {"days": ["mon", "tue"], "from": "08:00", "to": "12:00"},
                        {"days": ["tue"], "from": "11:00", "to": "14:00"},
                    ],
                )
            ],
            "asset_classes[1].service_hours[1]",
            "overlaps asset_classes[1].service_hours[0] on tue (08:00-12:00 and 11:00-14:00)",
        ),
        (
            [(("asset_classes", 0, "service_hours", 0, "to"), "00:00")],
            "asset_classes[0].service_hours[0].to",
            "not after from (00:00)",
        ),
        (
            [(("asset_classes", 0, "service_hours", 0), {"days": ["mon"], "from": "22:00", "to": "06:00"})],
            "asset_classes[0].service_hours[0].to",
            "split hours across midnight into two periods",
        ),
        (
            [(("asset_classes", 0, "service_hours", 0, "from"), "06:07")],
            "asset_classes[0].service_hours[0].from",
            "must fall on the measurement interval's grid (every 15 minutes",
        ),
        (
            [(("asset_classes", 0, "service_hours", 0, "to"), "24:30")],
            "asset_classes[0].service_hours[0].to",
            'a time "HH:MM" from "00:00" to "24:00"',
        ),
        (
            [(("asset_classes", 0, "service_hours", 0, "days"), ["mon", "monday"])],
            "asset_classes[0].service_hours[0].days[1]",
            "'monday': give one of mon, tue, wed, thu, fri, sat, sun",
        ),
        (
            [(("asset_classes", 0, "service_hours", 0, "days"), ["mon", "mon"])],
            "asset_classes[0].service_hours[0].days[1]",
            "mon is given twice",
        ),
        ([(("asset_classes", 0, "service_hours", 0, "days"), [])], "asset_classes[0].service_hours[0].days", "empty"),
        ([(("asset_classes", 0, "service_hours"), [])], "asset_classes[0].service_hours", "give at least one period"),
        # an unknown time zone
        (
            [(("measurement", "timezone"), "Mars/Olympus_Mons")],
            "measurement.timezone",
            "'Mars/Olympus_Mons' is not a known time zone",
        ),
        ([(("measurement", "timezone"), "../etc/passwd")], "measurement.timezone", "not a known time zone"),
        # a ubu factor outside 0 ... 1
        ([(("availability", "ubu_factor"), "1.5")], "availability.ubu_factor", "from 0 to 1"),
        ([(("availability", "ubu_factor"), "-0.1")], "availability.ubu_factor", "from 0 to 1"),
        # a ratchet multiplier below 1 or not rising
        ([(("availability", "ratchet"), ["0.9"])], "availability.ratchet[0]", "must be at least 1"),
        (
            [(("availability", "ratchet"), ["1.0", "1.5", "1.2"])],
            "availability.ratchet[2]",
            "below the tier before it (1.5)",
        ),
        ([(("availability", "ratchet"), "1.5")], "availability.ratchet", "must be a list of multipliers"),
        # an unknown KPI kind
        ([(("kpis", 0, "kind"), "uptime")], "kpis[0].kind", "give one of response_time, fix_time, periodic"),
        # a rate missing in rate mode (and a rate where it is not used)
        ([(("availability", "mode"), "rate")], "availability.rate", "rate mode needs an amount per deductible slot"),
        (
            [(("availability", "mode"), "rate"), (("availability", "rate"), "0")],
            "availability.rate",
            "above 0",
        ),
        ([(("availability", "rate"), "2.50")], "availability.rate", "set rate to null, or mode to rate"),
        ([(("availability", "mode"), "percent")], "availability.mode", "give share or rate"),
        # the rectification period
        (
            [(("availability", "rectification_minutes"), 250)],
            "availability.rectification_minutes",
            "a multiple of measurement.interval_minutes (15)",
        ),
        ([(("availability", "rectification_minutes"), -15)], "availability.rectification_minutes", "0 or more"),
        # duplicate keys
        ([(("asset_classes", 1, "key"), "streetlight")], "asset_classes[1].key", "keys must be unique"),
        (
            [(("kpis",), [EXAMPLE["kpis"][0], {**EXAMPLE["kpis"][0], "kind": "response_time"}])],
            "kpis[1].key",
            "is also the key of kpis[0]",
        ),
        ([(("asset_classes", 0, "key"), "street light")], "asset_classes[0].key", "must be a key"),
        # the bonus
        ([(("bonus", "threshold_percent"), "100.5")], "bonus.threshold_percent", "from 0 to 100"),
        ([(("bonus", "threshold_percent"), "99.8125")], "bonus.threshold_percent", "at most 3 decimal places"),
        ([(("bonus", "percent"), "-1")], "bonus.percent", "from 0 to 100"),
        ([(("bonus", "percent"), DELETE)], "bonus.percent", "bonus.percent is missing"),
        # amounts and the rest
        ([(("unitary_charge", "annual"), "0")], "unitary_charge.annual", "give an amount above 0"),
        ([(("unitary_charge", "annual"), "1,200,000")], "unitary_charge.annual", "must be a number such as"),
        ([(("unitary_charge", "annual"), float("nan"))], "unitary_charge.annual", "must be a number"),
        ([(("unitary_charge", "annual"), float("inf"))], "unitary_charge.annual", "must be a number"),
        ([(("unitary_charge", "annual"), Decimal("Infinity"))], "unitary_charge.annual", "must be a number"),
        ([(("unitary_charge", "annual"), True)], "unitary_charge.annual", "must be a number"),
        ([(("unitary_charge", "annual"), DELETE)], "unitary_charge.annual", "unitary_charge.annual is missing"),
        ([(("unitary_charge", "indexation", "base"), "0")], "unitary_charge.indexation.base", "above 0"),
        ([(("unitary_charge", "indexation", "index"), "")], "unitary_charge.indexation.index", "must be text"),
        ([(("availability", "target_percent"), "101")], "availability.target_percent", "from 0 to 100"),
        ([(("measurement", "missing_data"), "ignore")], "measurement.missing_data", "give one of unavailable"),
        ([(("kpis", 0, "target"), "0")], "kpis[0].target", "a number of hours above 0"),
        ([(("kpis", 0, "deduction_per_failure"), "-250")], "kpis[0].deduction_per_failure", "of at least 0"),
        ([(("format",), 2)], "format", "reads regimes of format 1"),
        ([(("format",), DELETE)], "format", "format is missing"),
        ([(("currency",), "eur")], "currency", "an ISO 4217 code in capitals"),
        ([(("cap_precent",), "20")], "cap_precent", "cap_precent is not a field of the regime"),
        ([(("measurement", "zone"), "UTC")], "measurement.zone", "not a field of measurement"),
        ([(("asset_classes",), [])], "asset_classes", "give at least one asset class"),
        ([(("asset_classes",), {"key": "streetlight"})], "asset_classes", "must be a list of asset classes"),
        ([(("measurement",), "15 minutes")], "measurement", "measurement must be an object"),
    ],
)
def test_bad_input_is_refused_naming_the_field(edits, field, words):
    error = refused(changed(*edits))
    assert error.field == field
    assert words in str(error)


def test_the_top_level_must_be_an_object():
    error = refused(["not", "a", "regime"])
    assert error.field == "(top level)"
    assert "the regime must be an object" in str(error)


def test_an_error_is_a_value_error():
    assert issubclass(RegimeInputError, ValueError)


# Properties: any valid regime round-trips


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _decimal_text(low: str, high: str, places: int) -> st.SearchStrategy[str]:
    return st.decimals(Decimal(low), Decimal(high), places=places, allow_nan=False, allow_infinity=False).map(
        lambda d: f"{d:f}"
    )


@st.composite
def regime_mappings(draw: st.DrawFn) -> dict[str, Any]:
    interval = draw(st.sampled_from(INTERVALS))
    slots = 1440 // interval
    size = draw(st.integers(1, 4))
    cuts = sorted(draw(st.lists(st.integers(0, 1000), min_size=size - 1, max_size=size - 1)))
    tenths = [b - a for a, b in zip([0, *cuts], [*cuts, 1000], strict=True)]
    classes = []
    for index, share in enumerate(tenths):
        points = sorted(draw(st.sets(st.integers(0, slots), min_size=2, max_size=6)))
        hours = [
            {
                "days": draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True)),
                "from": _clock(start * interval),
                "to": _clock(end * interval),
            }
            for start, end in zip(points[::2], points[1::2], strict=False)
        ]
        weighting = draw(st.sampled_from([f"{Decimal(share) / 10:f}", share / 10]))  # text or a float
        classes.append(
            {"key": f"class_{index}", "name": f"Class {index}", "weighting": weighting, "service_hours": hours}
        )
    mode = draw(st.sampled_from(["share", "rate"]))
    ratchet = sorted(draw(st.lists(st.decimals(1, 5, places=2), max_size=4)))
    kpis = [
        {
            "key": f"kpi.{index}",
            "name": f"KPI {index}",
            "kind": kind,
            "target": draw(st.integers(1, 72)),
            "deduction_per_failure": draw(_decimal_text("0", "10000", 2)),
        }
        for index, kind in enumerate(draw(st.lists(st.sampled_from(KPI_KINDS), max_size=3)))
    ]
    return {
        "format": 1,
        "currency": draw(st.sampled_from(["EUR", "GBP", "BRL"])),
        "unitary_charge": {
            "annual": draw(st.one_of(_decimal_text("0.01", "100000000", 2), st.integers(1, 10**9))),
            "indexation": draw(
                st.none() | st.fixed_dictionaries({"index": st.just("CPI"), "base": _decimal_text("1", "500", 1)})
            ),
        },
        "measurement": {
            "interval_minutes": interval,
            "timezone": draw(st.sampled_from(["Europe/Lisbon", "UTC", "America/Sao_Paulo", "Asia/Kolkata"])),
            "missing_data": draw(st.sampled_from(["unavailable", "available", "excluded"])),
        },
        "availability": {
            "target_percent": draw(_decimal_text("0", "100", 3)),
            "rectification_minutes": interval * draw(st.integers(0, 96)),
            "ubu_factor": draw(st.one_of(_decimal_text("0", "1", 2), st.floats(0, 1))),
            "ratchet": [f"{m:f}" for m in ratchet],
            "mode": mode,
            "rate": draw(_decimal_text("0.01", "1000", 3)) if mode == "rate" else None,
        },
        "asset_classes": classes,
        "kpis": kpis,
        "bonus": draw(
            st.none()
            | st.fixed_dictionaries(
                {"threshold_percent": _decimal_text("0", "100", 3), "percent": _decimal_text("0", "100", 2)}
            )
        ),
        "cap_percent": draw(_decimal_text("0", "100", 1)),
    }


@given(regime_mappings())
def test_a_regime_round_trips_through_its_mapping_and_json(data):
    regime = regime_from_mapping(data)
    mapping = regime_to_mapping(regime)
    assert regime_from_mapping(mapping) == regime
    assert regime_to_mapping(regime_from_mapping(mapping)) == mapping
    assert regime_from_text(regime_to_text(regime, "json"), format="json") == regime
    assert regime_from_text(json.dumps(mapping), format="json") == regime


@given(regime_mappings())
def test_every_valid_regime_is_valid_against_the_schema(data):
    assert schema_errors(data) == []
    assert schema_errors(regime_to_mapping(regime_from_mapping(data))) == []


@needs_yaml
@given(regime_mappings())
def test_a_regime_round_trips_through_yaml(data):
    regime = regime_from_mapping(data)
    assert regime_from_text(regime_to_text(regime, "yaml"), format="yaml") == regime
