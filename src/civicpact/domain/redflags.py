"""Red flags over OCDS compiled releases. Pure: dicts in, findings out (no Django, no I/O).

Two families (docs/red-flags.md):

- the procurement indicators documented by the Open Contracting Partnership's Cardinal (`open-contracting/cardinal-rs`,
  `docs/cli/indicators/`), under Cardinal's own codes and defaults, re-implemented here from its documentation and
  source (its PyPI wheel has no indicators): R003, R018, R024, R025, R028, R030, R035, R036, R038, R058;
- PPP indicators no tool has, read from what CivicPact publishes (contract amendments, the performance failures of
  the payment statements, the procurement method): PPP01 to PPP04.

Each process is its compiled release, optionally with the releases it was compiled from (PPP04 needs the contract's
first published value, which a compiled release no longer holds). Like Cardinal's `prepare` correction
`award_status_by_contract_status`, an award still `pending` whose contract is `active` or `terminated` counts as
`active` (our tendering publishes the award as pending and its contract later).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SUBMITTED = frozenset({"pending", "valid", "disqualified"})  # Cardinal's "submitted": not invited, not withdrawn
CAPPED = re.compile(r"\bcapped at\b", re.IGNORECASE)  # domain/ocds.py `_imposed`: the month's deductions hit the cap


@dataclass(frozen=True)
class Indicator:
    code: str
    title: str
    source: str  # "Cardinal" or "CivicPact"
    subject: str  # what is flagged: "process", or "organisation" (buyer, procuring entity or tenderer)
    why: str  # why it is a red flag, in plain language


INDICATORS: Mapping[str, Indicator] = {
    i.code: i
    for i in (
        Indicator(
            "R003",
            "Short submission period",
            "Cardinal",
            "process",
            "A short period to submit bids makes it harder for companies without inside knowledge to bid.",
        ),
        Indicator(
            "R018",
            "Single bid received",
            "Cardinal",
            "process",
            "In a competitive procedure, a single bid may mean that competition was suppressed.",
        ),
        Indicator(
            "R024",
            "Price close to winning bid",
            "Cardinal",
            "process",
            "A colluding bidder can mimic competition with a price just above its partner's winning bid.",
        ),
        Indicator(
            "R025",
            "Excessive unsuccessful bids",
            "Cardinal",
            "organisation",
            "A bidder that bids very often and rarely wins may be submitting cover bids for others.",
        ),
        Indicator(
            "R028",
            "Identical bid prices",
            "Cardinal",
            "process",
            "Different bidders offering exactly the same price may point to a leaked price or collusion.",
        ),
        Indicator(
            "R030",
            "Late bid won",
            "Cardinal",
            "process",
            "A bid received after the deadline should not win: the deadline may have been disregarded for it.",
        ),
        Indicator(
            "R035",
            "All except winning bid disqualified",
            "Cardinal",
            "process",
            "Disqualifying every other bidder is a way to hand the contract to a chosen one.",
        ),
        Indicator(
            "R036",
            "Lowest bid disqualified",
            "Cardinal",
            "process",
            "Disqualifying the cheapest bid can steer the contract to a dearer, chosen bidder.",
        ),
        Indicator(
            "R038",
            "Excessive disqualified bids",
            "Cardinal",
            "organisation",
            "A buyer that disqualifies many more bids than others, or a bidder disqualified far more often, "
            "deserves a closer look.",
        ),
        Indicator(
            "R058",
            "Heavily discounted bid",
            "Cardinal",
            "process",
            "A winning price far below every other bid may not cover the cost of doing the work well.",
        ),
        Indicator(
            "PPP01",
            "Frequent contract amendments",
            "CivicPact",
            "process",
            "A PPP changed often, or soon after signature, may not be the contract that was competed for.",
        ),
        Indicator(
            "PPP02",
            "Deductions capped or waived month after month",
            "CivicPact",
            "process",
            "When the deductions hit their cap or are not applied month after month, the payment mechanism no "
            "longer makes the partner perform.",
        ),
        Indicator(
            "PPP03",
            "Unsolicited proposal awarded without competition",
            "CivicPact",
            "process",
            "An unsolicited proposal is meant to be tested against the market; awarding it with no competing "
            "offer leaves its price untested.",
        ),
        Indicator(
            "PPP04",
            "Contract value growth",
            "CivicPact",
            "process",
            "Large increases in value after signature can turn a competed contract into a different, uncompeted one.",
        ),
    )
}


@dataclass(frozen=True)
class Thresholds:
    """Every threshold, with Cardinal's default where Cardinal has one (docs/red-flags.md, docs/configuration.md)."""

    currency: str = ""  # the main currency; "" = the first one observed (Cardinal's default)
    competitive_methods: frozenset[str] = frozenset({"open", "selective"})  # R003 and R018
    r003_days: int = 15
    r024_threshold: float | None = None  # a fixed lower fence; None: Q1 - 1.5 IQR over every process's difference
    r025_percentile: int = 75
    r025_threshold: float | None = None
    r035_threshold: int = 1
    r038_threshold: float | None = None
    r038_minimum_submitted_bids: int = 2
    r038_minimum_contracting_processes: int = 2
    r058_threshold: float | None = None
    minimum_sample: int = 8  # fences are computed only over at least this many values (ours: Cardinal has none)
    amendments_count: int = 3  # PPP01: this many amendments or more…
    amendments_months: int = 6  # …or one within this many months of signature (0 turns that trigger off)
    capped_months: int = 3  # PPP02: consecutive months capped or waived
    unsolicited_markers: tuple[str, ...] = ("unsolicited", "swiss challenge")  # PPP03, in procurementMethodDetails
    value_growth: float = 0.10  # PPP04: a rise of this share of the first published value or more


@dataclass(frozen=True)
class Process:
    compiled: Mapping[str, Any]
    releases: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class Finding:
    code: str
    subject: str  # "process", "buyer", "procuringEntity" or "tenderer"
    subject_id: str  # the ocid, or the organisation's id
    subject_name: str  # the process's title, or the organisation's name
    ocids: tuple[str, ...]  # the processes behind the finding
    explanation: str  # plain language, with the numbers
    evidence: Mapping[str, Any]  # the values read and the threshold applied
    value: float  # Cardinal's output for the indicator (1.0 where it has none)

    @property
    def indicator(self) -> Indicator:
        return INDICATORS[self.code]


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    applicable: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INDICATORS, 0))
    fences: dict[str, dict[str, float]] = field(default_factory=dict)
    processes: int = 0

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def by_code(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {code: [] for code in INDICATORS}
        for finding in self.findings:
            out[finding.code].append(finding)
        return out


# --- reading a compiled release --------------------------------------------------------------------------------------


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _amount(value: Any, currency: str) -> float | None:
    if not isinstance(value, Mapping):
        return None
    amount, unit = value.get("amount"), value.get("currency")
    if isinstance(amount, bool) or not isinstance(amount, int | float) or (currency and unit != currency):
        return None
    return float(amount)


def _ids(references: Any) -> list[str]:
    return [str(r["id"]) for r in references or () if isinstance(r, Mapping) and r.get("id") not in (None, "")]


def _list(release: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = release.get(key)
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def bids(release: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    section = release.get("bids")
    details = section.get("details") if isinstance(section, Mapping) else None
    return [b for b in details if isinstance(b, Mapping)] if isinstance(details, list) else []


def submitted_bids(release: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [b for b in bids(release) if b.get("status") in SUBMITTED]


def award_status(award: Mapping[str, Any], contracts: Sequence[Mapping[str, Any]]) -> str:
    """The award's status, `active` for a pending award whose contract is active or terminated."""
    status = str(award.get("status", ""))
    if status == "pending" and any(
        c.get("awardID") == award.get("id") and c.get("status") in ("active", "terminated") for c in contracts
    ):
        return "active"
    return status


def final_awards(release: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """The active awards when every award is final (active, cancelled or unsuccessful), else None (Cardinal's
    `get_complete_awards_and_bids_if_all_awards_final`); None also without awards or bids."""
    awards, contracts = _list(release, "awards"), _list(release, "contracts")
    if "awards" not in release or not bids(release):
        return None
    active = []
    for award in awards:
        status = award_status(award, contracts)
        if status == "active":
            active.append(award)
        elif status not in ("cancelled", "unsuccessful"):
            return None
    return active


def title(release: Mapping[str, Any]) -> str:
    for section in (release.get("tender"), *_list(release, "contracts"), *_list(release, "awards")):
        if isinstance(section, Mapping) and section.get("title"):
            return str(section["title"])
    planning = release.get("planning")
    project = planning.get("project") if isinstance(planning, Mapping) else None
    if isinstance(project, Mapping) and project.get("title"):
        return str(project["title"])
    return str(release.get("ocid", ""))


def _names(release: Mapping[str, Any]) -> dict[str, str]:
    names = {str(p["id"]): str(p.get("name", p["id"])) for p in _list(release, "parties") if p.get("id")}
    for bid in bids(release):
        for tenderer in bid.get("tenderers") or ():
            if isinstance(tenderer, Mapping) and tenderer.get("id"):
                names.setdefault(str(tenderer["id"]), str(tenderer.get("name", tenderer["id"])))
    return names


def _money(amount: float, currency: str) -> str:
    return f"{amount:,.2f} {currency}".strip()


# --- quartiles and fences, as Cardinal computes them -----------------------------------------------------------------


def quantile(values: Sequence[float], tau: float) -> float:
    """The tau-quantile by the R-8 (median-unbiased) estimator, the one statrs' `Data::quantile` uses in Cardinal."""
    data = sorted(values)
    n = len(data)
    if n == 0:
        raise ValueError("no data")
    if tau <= 0:
        return data[0]
    if tau >= 1:
        return data[-1]
    h = (n + 1 / 3) * tau + 1 / 3
    low = math.floor(h)
    if low < 1:
        return data[0]
    if low >= n:
        return data[-1]
    return data[low - 1] + (h - low) * (data[low] - data[low - 1])


def lower_fence(values: Sequence[float]) -> dict[str, float]:
    q1, q3 = quantile(values, 0.25), quantile(values, 0.75)
    return {"q1": q1, "q3": q3, "fence": q1 - 1.5 * (q3 - q1)}


def upper_fence(values: Sequence[float]) -> dict[str, float]:
    q1, q3 = quantile(values, 0.25), quantile(values, 0.75)
    return {"q1": q1, "q3": q3, "fence": q3 + 1.5 * (q3 - q1)}


def _fence(
    report: Report, code: str, values: Sequence[float], fixed: float | None, minimum: int, *, lower: bool
) -> float | None:
    """The threshold to compare with: the fixed one if set, else the computed fence over enough values."""
    if fixed is not None:
        report.fences[code] = {"fence": fixed, "fixed": 1.0}
        return fixed
    if len(values) < max(minimum, 1):
        report.fences[code] = {"values": float(len(values)), "minimum_sample": float(minimum)}
        return None
    meta = lower_fence(values) if lower else upper_fence(values)
    report.fences[code] = meta | {"values": float(len(values))}
    return meta["fence"]


# --- process-level Cardinal indicators -------------------------------------------------------------------------------


def _finding(
    code: str, release: Mapping[str, Any], explanation: str, evidence: Mapping[str, Any], value: float = 1.0
) -> Finding:
    ocid = str(release.get("ocid", ""))
    return Finding(code, "process", ocid, title(release), (ocid,), explanation, dict(evidence), value)


def r003(release: Mapping[str, Any], t: Thresholds, report: Report) -> None:
    tender = release.get("tender")
    if not isinstance(tender, Mapping) or tender.get("procurementMethod") not in t.competitive_methods:
        return
    period = tender.get("tenderPeriod")
    start = _date(period.get("startDate")) if isinstance(period, Mapping) else None
    end = _date(period.get("endDate")) if isinstance(period, Mapping) else None
    if start is None or end is None:
        return
    report.applicable["R003"] += 1
    days = (end - start).days  # whole days, as Cardinal's num_days
    if days < t.r003_days:
        report.add(
            _finding(
                "R003",
                release,
                f"Bidders had {days} day(s) to submit bids in an {tender['procurementMethod']} procedure; "
                f"fewer than {t.r003_days} is short.",
                {
                    "tender.tenderPeriod.startDate": period["startDate"],  # type: ignore[index]
                    "tender.tenderPeriod.endDate": period["endDate"],  # type: ignore[index]
                    "days": days,
                    "threshold_days": t.r003_days,
                    "tender.procurementMethod": tender["procurementMethod"],
                },
            )
        )


def r018(release: Mapping[str, Any], t: Thresholds, report: Report) -> None:
    tender = release.get("tender")
    if not isinstance(tender, Mapping) or tender.get("procurementMethod") not in t.competitive_methods:
        return
    number = tender.get("numberOfTenderers")
    if isinstance(number, bool) or not isinstance(number, int):
        return
    report.applicable["R018"] += 1
    if number == 1:
        report.add(
            _finding(
                "R018",
                release,
                f"Only one tenderer submitted a bid in an {tender['procurementMethod']} (competitive) procedure.",
                {"tender.numberOfTenderers": number, "tender.procurementMethod": tender["procurementMethod"]},
            )
        )


def _winner_and_others(release: Mapping[str, Any], currency: str) -> tuple[str, float, str, float] | None:
    """(winner, its price, lowest other valid bidder, its price) for one active award to one supplier, single-tenderer
    valid bids in the main currency, and a winner not dearer than the lowest other (price-only award assumed)."""
    awards = final_awards(release)
    if awards is None or len(awards) != 1:
        return None
    suppliers = _ids(awards[0].get("suppliers"))
    if len(suppliers) != 1:
        return None
    winner_amount: float | None = None
    other: tuple[str, float] | None = None
    for bid in bids(release):
        tenderers = _ids(bid.get("tenderers"))
        amount = _amount(bid.get("value"), currency)
        if bid.get("status") != "valid" or len(tenderers) != 1 or amount is None:
            continue
        if tenderers[0] == suppliers[0]:
            winner_amount = amount if winner_amount is None else min(winner_amount, amount)
        elif other is None or amount < other[1]:
            other = (tenderers[0], amount)
    if winner_amount is None or other is None or other[1] < winner_amount or winner_amount <= 0:
        return None
    return suppliers[0], winner_amount, other[0], other[1]


def r024_r058(releases: Sequence[Mapping[str, Any]], t: Thresholds, currency: str, report: Report) -> None:
    ratios: dict[str, tuple[Mapping[str, Any], float, tuple[str, float, str, float]]] = {}
    for release in releases:
        pair = _winner_and_others(release, currency)
        if pair is not None:
            ratios[str(release["ocid"])] = (release, (pair[3] - pair[1]) / pair[1], pair)
    values = [r for _, r, _ in ratios.values()]
    report.applicable["R024"] = report.applicable["R058"] = len(values)
    low = _fence(report, "R024", values, t.r024_threshold, t.minimum_sample, lower=True)
    high = _fence(report, "R058", values, t.r058_threshold, t.minimum_sample, lower=False)
    for release, ratio, (winner, amount, other, other_amount) in ratios.values():
        names = _names(release)
        evidence = {
            "winner": names.get(winner, winner),
            "winning_bid": _money(amount, currency),
            "second_lowest_valid_bidder": names.get(other, other),
            "second_lowest_valid_bid": _money(other_amount, currency),
            "difference": round(ratio, 4),
        }
        if low is not None and ratio <= low:
            text = f"The second-lowest valid bid was only {ratio:.1%} above the winning bid (fence {low:.1%})."
            report.add(_finding("R024", release, text, evidence | {"lower_fence": round(low, 4)}, ratio))
        if high is not None and ratio >= high:
            text = f"The second-lowest valid bid was {ratio:.1%} above the winning bid (fence {high:.1%})."
            report.add(_finding("R058", release, text, evidence | {"upper_fence": round(high, 4)}, ratio))


def r028(release: Mapping[str, Any], currency: str, report: Report) -> None:
    prices: dict[float, set[frozenset[str]]] = defaultdict(set)
    priced = 0
    for bid in submitted_bids(release):
        ids = frozenset(_ids(bid.get("tenderers")))
        amount = _amount(bid.get("value"), currency)
        if ids and amount is not None:
            prices[amount].add(ids)
            priced += 1
    if priced < 2:
        return
    report.applicable["R028"] += 1
    same = {amount: groups for amount, groups in prices.items() if len(groups) > 1}
    if same:
        names = _names(release)
        evidence = {
            _money(amount, currency): sorted(names.get(i, i) for ids in groups for i in ids)
            for amount, groups in sorted(same.items())
        }
        prices_text = ", ".join(sorted(evidence))
        report.add(_finding("R028", release, f"Different tenderers bid the same price: {prices_text}.", evidence))


def r030(release: Mapping[str, Any], report: Report) -> None:
    tender = release.get("tender")
    period = tender.get("tenderPeriod") if isinstance(tender, Mapping) else None
    deadline = _date(period.get("endDate")) if isinstance(period, Mapping) else None
    awards = final_awards(release)
    if deadline is None or awards is None:
        return
    report.applicable["R030"] += 1
    winners = {i for a in awards for i in _ids(a.get("suppliers"))}
    names = _names(release)
    for bid in bids(release):
        received = _date(bid.get("date"))
        tenderers = set(_ids(bid.get("tenderers")))
        if bid.get("status") == "valid" and received is not None and received > deadline and tenderers & winners:
            who = ", ".join(sorted(names.get(i, i) for i in tenderers & winners))
            report.add(
                _finding(
                    "R030",
                    release,
                    f"The winning bid was received after the submission deadline ({received:%Y-%m-%d %H:%M} UTC, "
                    f"deadline {deadline:%Y-%m-%d %H:%M} UTC).",
                    {"winner": who, "bid.date": bid.get("date"), "tender.tenderPeriod.endDate": period["endDate"]},  # type: ignore[index]
                )
            )
            return


def r035(release: Mapping[str, Any], t: Thresholds, report: Report) -> None:
    awards = final_awards(release)
    if awards is None:
        return
    report.applicable["R035"] += 1
    winners = {i for a in awards for i in _ids(a.get("suppliers"))}
    valid = {i for b in bids(release) if b.get("status") == "valid" for i in _ids(b.get("tenderers"))}
    disqualified = {i for b in bids(release) if b.get("status") == "disqualified" for i in _ids(b.get("tenderers"))}
    others = disqualified - valid
    if len(valid) == 1 and valid == winners and len(others) >= max(t.r035_threshold, 1):
        names = _names(release)
        report.add(
            _finding(
                "R035",
                release,
                f"Every bid except the winner's was disqualified ({len(others)} other tenderer(s)).",
                {
                    "winner": ", ".join(names.get(i, i) for i in sorted(valid)),
                    "disqualified_tenderers": sorted(names.get(i, i) for i in others),
                    "threshold": t.r035_threshold,
                },
                float(len(others)),
            )
        )


def r036(release: Mapping[str, Any], currency: str, report: Report) -> None:
    contracts = _list(release, "contracts")
    if not any(award_status(a, contracts) == "active" for a in _list(release, "awards")):
        return
    lowest: Mapping[str, Any] | None = None
    lowest_amount = math.inf
    for bid in submitted_bids(release):
        amount = _amount(bid.get("value"), currency)
        if amount is not None and amount < lowest_amount:
            lowest, lowest_amount = bid, amount
    if lowest is None:
        return
    report.applicable["R036"] += 1
    if lowest.get("status") == "disqualified":
        names = _names(release)
        report.add(
            _finding(
                "R036",
                release,
                f"The lowest bid ({_money(lowest_amount, currency)}) was disqualified.",
                {
                    "lowest_bidder": ", ".join(names.get(i, i) for i in _ids(lowest.get("tenderers"))),
                    "lowest_bid": _money(lowest_amount, currency),
                    "status": "disqualified",
                },
            )
        )


# --- organisation-level Cardinal indicators --------------------------------------------------------------------------


def r025(releases: Sequence[Mapping[str, Any]], t: Thresholds, report: Report) -> None:
    won: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    where: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for release in releases:
        awards = final_awards(release)
        if awards is None or len(awards) != 1 or len(_ids(awards[0].get("suppliers"))) != 1:
            continue
        supplier = _ids(awards[0].get("suppliers"))[0]
        names |= _names(release)
        valid = {
            _ids(b.get("tenderers"))[0]
            for b in bids(release)
            if b.get("status") == "valid" and len(_ids(b.get("tenderers"))) == 1
        }
        for tenderer in valid:
            won[tenderer][0] += tenderer == supplier
            won[tenderer][1] += 1
            where[tenderer].append(str(release["ocid"]))
    report.applicable["R025"] = len(won)
    if not won:
        return
    counts = [float(d) for _, d in won.values()]
    top = quantile(counts, t.r025_percentile / 100)
    ratios = [w / d for w, d in won.values()]
    fence = _fence(report, "R025", ratios, t.r025_threshold, t.minimum_sample, lower=True)
    if fence is None:
        return
    report.fences["R025"]["top_bidder_bids"] = top
    for tenderer, (wins, total) in sorted(won.items()):
        ratio = wins / total
        if total > top and ratio < fence:
            report.add(
                Finding(
                    "R025",
                    "tenderer",
                    tenderer,
                    names.get(tenderer, tenderer),
                    tuple(where[tenderer]),
                    f"A frequent bidder won {wins} of its {total} valid bids ({ratio:.0%}; fence {fence:.0%}).",
                    {"wins": wins, "valid_bids": total, "ratio": round(ratio, 4), "lower_fence": round(fence, 4)},
                    ratio,
                )
            )


def _r038_counts(
    releases: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, dict[str, list[int]]], dict[tuple[str, str], list[str]], dict[str, str]]:
    """Per buyer, procuring entity and tenderer: [disqualified bids, submitted bids, processes], where, names."""
    groups: dict[str, dict[str, list[int]]] = {"buyer": {}, "procuringEntity": {}, "tenderer": {}}
    where: dict[tuple[str, str], list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for release in releases:
        submitted = submitted_bids(release)
        if not submitted:
            continue
        ocid = str(release["ocid"])
        names |= _names(release)
        for bid in submitted:
            for tenderer in _ids(bid.get("tenderers")):
                counts = groups["tenderer"].setdefault(tenderer, [0, 0, 0])
                counts[0] += bid.get("status") == "disqualified"
                counts[1] += 1
                where[("tenderer", tenderer)].append(ocid)
        tender = release.get("tender")
        for kind, ref in (
            ("buyer", release.get("buyer")),
            ("procuringEntity", tender.get("procuringEntity") if isinstance(tender, Mapping) else None),
        ):
            if isinstance(ref, Mapping) and ref.get("id"):
                counts = groups[kind].setdefault(str(ref["id"]), [0, 0, 0])
                counts[0] += sum(b.get("status") == "disqualified" for b in submitted)
                counts[1] += len(submitted)
                counts[2] += 1
                where[(kind, str(ref["id"]))].append(ocid)
                names.setdefault(str(ref["id"]), str(ref.get("name", ref["id"])))
    return groups, where, names


def r038(releases: Sequence[Mapping[str, Any]], t: Thresholds, report: Report) -> None:
    groups, where, names = _r038_counts(releases)
    ratios: dict[tuple[str, str], tuple[float, list[int]]] = {}
    for kind, members in groups.items():
        for ident, counts in members.items():
            enough = (
                counts[1] >= t.r038_minimum_submitted_bids
                if kind == "tenderer"
                else (counts[2] >= t.r038_minimum_contracting_processes)
            )
            if enough:
                ratios[(kind, ident)] = (counts[0] / counts[1], counts)
    report.applicable["R038"] = len(ratios)
    for kind in groups:
        values = [r for (k, _), (r, _) in ratios.items() if k == kind]
        fence = _fence(report, f"R038.{kind}", values, t.r038_threshold, t.minimum_sample, lower=False)
        if fence is None:
            continue
        for (k, ident), (ratio, counts) in sorted(ratios.items()):
            if k == kind and ratio >= fence and counts[0] > 0:
                report.add(
                    Finding(
                        "R038",
                        kind,
                        ident,
                        names.get(ident, ident),
                        tuple(dict.fromkeys(where[(kind, ident)])),
                        f"{counts[0]} of {counts[1]} submitted bids were disqualified ({ratio:.0%}; fence "
                        f"{fence:.0%}).",
                        {
                            "disqualified": counts[0],
                            "submitted": counts[1],
                            "ratio": round(ratio, 4),
                            "upper_fence": round(fence, 4),
                        },
                        ratio,
                    )
                )


# --- PPP indicators (ours) -------------------------------------------------------------------------------------------


def _months_between(start: datetime, end: datetime) -> float:
    return (end - start).days / (365.25 / 12)


def ppp01(release: Mapping[str, Any], t: Thresholds, report: Report) -> None:
    """Frequent contract amendments: N or more, or one within M months of signature."""
    for contract in _list(release, "contracts"):
        if contract.get("status") not in ("active", "terminated"):
            continue
        report.applicable["PPP01"] += 1
        amendments = [a for a in contract.get("amendments") or () if isinstance(a, Mapping)]
        signed = _date(contract.get("dateSigned"))
        early = [
            a
            for a in amendments
            if signed is not None
            and t.amendments_months > 0
            and (when := _date(a.get("date"))) is not None
            and _months_between(signed, when) < t.amendments_months
        ]
        reasons = []
        if len(amendments) >= t.amendments_count:
            reasons.append(f"amended {len(amendments)} times (threshold {t.amendments_count})")
        if early:
            reasons.append(f"{len(early)} amendment(s) within {t.amendments_months} months of signature")
        if reasons:
            report.add(
                _finding(
                    "PPP01",
                    release,
                    f"Contract {contract.get('id')} was " + " and ".join(reasons) + ".",
                    {
                        "contract": contract.get("id"),
                        "contract.dateSigned": contract.get("dateSigned"),
                        "amendments": [
                            {"id": a.get("id"), "date": a.get("date"), "rationale": a.get("rationale")}
                            for a in amendments
                        ],
                        "threshold_count": t.amendments_count,
                        "threshold_months": t.amendments_months,
                    },
                    float(len(amendments)),
                )
            )


def _month(period: Any) -> int | None:
    """A month's index (year * 12 + month - 1) from a monthly period, by its midpoint (time zones moved the ends)."""
    if not isinstance(period, Mapping):
        return None
    start, end = _date(period.get("startDate")), _date(period.get("endDate"))
    if start is None or end is None:
        return None
    middle = start + (end - start) / 2
    return middle.year * 12 + middle.month - 1


def month_states(contract: Mapping[str, Any]) -> dict[int, str]:
    """Per month with performance failures: "capped" (the deductions hit the cap), "waived" (failures, but no
    penalty paid), or "applied"."""
    implementation = contract.get("implementation")
    failures = implementation.get("performanceFailures") if isinstance(implementation, Mapping) else None
    months: dict[int, str] = {}
    for failure in failures if isinstance(failures, list) else ():
        if not isinstance(failure, Mapping):
            continue
        month = _month(failure.get("period"))
        if month is None:
            continue
        state = months.setdefault(month, "none")
        events = failure.get("events")
        events = events if isinstance(events, int) and not isinstance(events, bool) else 0
        if CAPPED.search(str(failure.get("penaltyImposed", ""))):
            months[month] = "capped"
        elif events > 0 and state != "capped":
            months[month] = "applied" if failure.get("penaltyPaid") is True or state == "applied" else "waived"
    return months


def _label(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def ppp02(release: Mapping[str, Any], t: Thresholds, report: Report) -> None:
    """K consecutive months whose deductions hit the cap or whose failures went unpenalised."""
    for contract in _list(release, "contracts"):
        months = month_states(contract)
        if not months:
            continue
        report.applicable["PPP02"] += 1
        run: list[int] = []
        longest: list[int] = []
        for month in sorted(months):
            if months[month] in ("capped", "waived"):
                run = [*run, month] if run and run[-1] == month - 1 else [month]
                longest = run if len(run) > len(longest) else longest
            else:
                run = []
        if len(longest) >= max(t.capped_months, 1):
            detail = ", ".join(f"{_label(m)} {months[m]}" for m in longest)
            report.add(
                _finding(
                    "PPP02",
                    release,
                    f"For {len(longest)} months in a row the deductions of contract {contract.get('id')} hit their "
                    f"cap or were not applied ({detail}).",
                    {
                        "contract": contract.get("id"),
                        "months": {_label(m): months[m] for m in sorted(months)},
                        "consecutive": [_label(m) for m in longest],
                        "threshold_months": t.capped_months,
                    },
                    float(len(longest)),
                )
            )


def ppp03(release: Mapping[str, Any], t: Thresholds, report: Report) -> None:
    """An unsolicited proposal awarded with no competing offer."""
    tender = release.get("tender")
    details = str(tender.get("procurementMethodDetails", "")) if isinstance(tender, Mapping) else ""
    if not any(marker.lower() in details.lower() for marker in t.unsolicited_markers if marker):
        return
    contracts = _list(release, "contracts")
    awarded = [a for a in _list(release, "awards") if award_status(a, contracts) in ("active", "pending")]
    if not awarded:
        return
    report.applicable["PPP03"] += 1
    submitted = submitted_bids(release)
    tenderers = {i for b in submitted for i in _ids(b.get("tenderers"))}
    number = len(tenderers) if submitted else tender.get("numberOfTenderers")  # type: ignore[union-attr]
    if isinstance(number, int) and number <= 1:
        report.add(
            _finding(
                "PPP03",
                release,
                f"An unsolicited proposal was awarded with {number} offer(s): no competing offer tested it.",
                {
                    "tender.procurementMethodDetails": details,
                    "offers": number,
                    "awards": [{"id": a.get("id"), "status": award_status(a, contracts)} for a in awarded],
                },
            )
        )


def _first_values(releases: Sequence[Mapping[str, Any]], currency: str) -> dict[str, tuple[float, str]]:
    """Each contract's first published value (and the release that published it), from the releases in date order."""
    first: dict[str, tuple[float, str]] = {}
    for release in sorted(releases, key=lambda r: str(r.get("date", ""))):
        for contract in _list(release, "contracts"):
            amount = _amount(contract.get("value"), currency)
            if contract.get("id") is not None and amount is not None:
                first.setdefault(str(contract["id"]), (amount, str(release.get("id", ""))))
    return first


def ppp04(process: Process, t: Thresholds, currency: str, report: Report) -> None:
    """Contract value up by X% or more over its first published value."""
    release = process.compiled
    first = _first_values(process.releases, currency)
    for contract in _list(release, "contracts"):
        now = _amount(contract.get("value"), currency)
        original = first.get(str(contract.get("id")))
        if now is None or original is None or original[0] <= 0:
            continue
        report.applicable["PPP04"] += 1
        growth = (now - original[0]) / original[0]
        if growth >= t.value_growth:
            report.add(
                _finding(
                    "PPP04",
                    release,
                    f"The value of contract {contract.get('id')} rose {growth:.1%} over its first published value "
                    f"(threshold {t.value_growth:.0%}), across {len(contract.get('amendments') or ())} amendment(s).",
                    {
                        "contract": contract.get("id"),
                        "first_value": _money(original[0], currency),
                        "first_published_in": original[1],
                        "current_value": _money(now, currency),
                        "growth": round(growth, 4),
                        "threshold": t.value_growth,
                    },
                    growth,
                )
            )


# --- all together ----------------------------------------------------------------------------------------------------


def _main_currency(processes: Sequence[Process], configured: str) -> str:
    if configured:
        return configured
    for process in processes:
        for bid in bids(process.compiled):
            value = bid.get("value")
            if isinstance(value, Mapping) and isinstance(value.get("currency"), str):
                return str(value["currency"])
        for contract in _list(process.compiled, "contracts"):
            value = contract.get("value")
            if isinstance(value, Mapping) and isinstance(value.get("currency"), str):
                return str(value["currency"])
    return ""


def evaluate(processes: Iterable[Process], thresholds: Thresholds | None = None) -> Report:
    """Every indicator over every process. Processes without a string ocid are left out (as in Cardinal)."""
    t = thresholds or Thresholds()
    items = [p for p in processes if isinstance(p.compiled.get("ocid"), str)]
    currency = _main_currency(items, t.currency)
    releases = [p.compiled for p in items]
    report = Report(processes=len(items))
    for process in items:
        release = process.compiled
        r003(release, t, report)
        r018(release, t, report)
        r028(release, currency, report)
        r030(release, report)
        r035(release, t, report)
        r036(release, currency, report)
        ppp01(release, t, report)
        ppp02(release, t, report)
        ppp03(release, t, report)
        ppp04(process, t, currency, report)
    r024_r058(releases, t, currency, report)
    r025(releases, t, report)
    r038(releases, t, report)
    order = list(INDICATORS)
    report.findings.sort(key=lambda f: (order.index(f.code), f.subject_id))
    return report
