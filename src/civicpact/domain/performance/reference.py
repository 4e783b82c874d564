"""The SLA counts computed row by row, in plain Python: the readable definition the SQL engine
(`civicpact/performance/engine.py`) is tested against. It follows docs/performance-regime.md, sections
"Telemetry as interval rows" and "Outage events and rectification", one slot at a time.

Not for production volumes: it holds every row of the month in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from civicpact.domain.performance.counts import AssetCounts

MISSING_DATA_RULES = ("unavailable", "available", "excluded")

UP, DOWN, DEGRADED = 0, 1, 2  # the `state` column
MISSING = "missing"  # the kind of a slot without a row


def check_parameters(
    register: Mapping[str, tuple[int, int]], *, rectification_slots: int, tiers: int, missing_data: str
) -> None:
    """Refuse parameters the regime's validation would have refused (shared with the SQL engine)."""
    if missing_data not in MISSING_DATA_RULES:
        raise ValueError(f"missing_data must be one of {', '.join(MISSING_DATA_RULES)}, not {missing_data!r}")
    if isinstance(rectification_slots, bool) or not isinstance(rectification_slots, int) or rectification_slots < 0:
        raise ValueError(f"rectification_slots must be a whole number >= 0, not {rectification_slots!r}")
    if isinstance(tiers, bool) or not isinstance(tiers, int) or tiers < 1:
        raise ValueError(f"tiers must be a whole number >= 1, not {tiers!r}")
    numbers: dict[int, str] = {}
    for asset_id, (number, slots) in register.items():
        if number in numbers:
            raise ValueError(f"assets {numbers[number]!r} and {asset_id!r} share the number {number}")
        numbers[number] = asset_id
        if slots < 0:
            raise ValueError(f"asset {asset_id!r} has a negative number of service slots ({slots})")


def reference_counts(
    rows: Iterable[tuple[int, int, int]],
    *,
    register: Mapping[str, tuple[int, int]],
    rectification_slots: int,
    tiers: int,
    missing_data: str,
) -> list[AssetCounts]:
    """One `AssetCounts` per asset of `register` (asset id -> (asset number, service slots S)), sorted by id.

    `rows` are the month's (asset number, slot, state) rows. They must satisfy what ingest guarantees (one row
    per asset and slot, a slot in 0 ... S-1 of a registered asset, a state 0, 1 or 2): anything else is refused.
    """
    check_parameters(register, rectification_slots=rectification_slots, tiers=tiers, missing_data=missing_data)
    asset_of_number = {number: asset_id for asset_id, (number, _slots) in register.items()}

    # the state of every slot that has a row, per asset
    states: dict[str, dict[int, int]] = {asset_id: {} for asset_id in register}
    for number, slot, state in rows:
        if number not in asset_of_number:
            raise ValueError(f"a row names asset number {number}, which is not in the register")
        asset_id = asset_of_number[number]
        service_slots = register[asset_id][1]
        if not 0 <= slot < service_slots:
            raise ValueError(f"asset {asset_id!r} has a row at slot {slot}, outside 0 ... {service_slots - 1}")
        if state not in (UP, DOWN, DEGRADED):
            raise ValueError(f"asset {asset_id!r} has a row of unknown state {state} at slot {slot}")
        if slot in states[asset_id]:
            raise ValueError(f"asset {asset_id!r} has two rows for slot {slot}")
        states[asset_id][slot] = state

    return [
        _asset_counts(
            asset_id,
            register[asset_id][1],
            states[asset_id],
            rectification_slots=rectification_slots,
            tiers=tiers,
            missing_data=missing_data,
        )
        for asset_id in sorted(register)
    ]


def _asset_counts(
    asset_id: str,
    service_slots: int,
    states: dict[int, int],
    *,
    rectification_slots: int,
    tiers: int,
    missing_data: str,
) -> AssetCounts:
    # the kind of every service slot of the month, in slot order: a state, or MISSING
    kinds: list[int | str] = [states.get(slot, MISSING) for slot in range(service_slots)]

    def failed(kind: int | str) -> bool:
        if kind == MISSING:
            return missing_data == "unavailable"
        return kind in (DOWN, DEGRADED)

    # outage events: maximal runs of consecutive failed slots; the month's end closes the last one
    events: list[list[int | str]] = []
    current: list[int | str] | None = None
    for kind in kinds:
        if failed(kind):
            if current is None:
                current = []
                events.append(current)
            current.append(kind)
        else:
            current = None

    rectified = 0
    deductible = 0
    down = [0] * tiers
    degraded = [0] * tiers
    missing = [0] * tiers
    for event in events:
        if len(event) <= rectification_slots:
            rectified += 1  # fixed within the rectification period: it costs nothing
            continue
        deductible += 1  # the k-th deductible event of the asset goes to tier min(k, T) - 1
        tier = min(deductible, tiers) - 1
        down[tier] += event.count(DOWN)
        degraded[tier] += event.count(DEGRADED)
        missing[tier] += event.count(MISSING)

    observed = len(states)
    excluded = missing_data == "excluded"  # missing slots are removed from S
    return AssetCounts(
        asset=asset_id,
        service_slots=observed if excluded else service_slots,
        observed_slots=observed,
        up_slots=kinds.count(UP),
        down_slots=kinds.count(DOWN),
        degraded_slots=kinds.count(DEGRADED),
        missing_slots=0 if excluded else service_slots - observed,
        events=len(events),
        rectified_events=rectified,
        deductible_down=tuple(down),
        deductible_degraded=tuple(degraded),
        deductible_missing=tuple(missing),
    )
