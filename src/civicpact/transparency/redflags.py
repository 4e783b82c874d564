"""Red flags over everything published: the domain's indicators (domain/redflags.py) run over every contracting
process's compiled release, with its releases, and shaped for the two audiences.

- `red_flag_evidence()`: every finding with the values behind it and links to the record and to our own pages, for
  auditors and administrators;
- `red_flag_summary()`: counts per indicator and the flagged processes with the indicator's name and the plain
  explanation, for everyone. Findings about a tenderer (R025, R038) are counted but not named there: a red flag is a
  reason to look, not proof, and a company named in public by an outlier statistic cannot answer it.

The report is computed once per state of the release store (its size and last id, the thresholds) and cached.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from civicpact import l10n
from civicpact.domain.redflags import INDICATORS, Finding, Indicator, Process, Report, Thresholds, evaluate
from civicpact.ledger.models import Ocid, Release
from civicpact.transparency import compiled

CONTRACT_ID = re.compile(r"^contract-(\d+)$")
PAGES = {"pipeline.project": "pipeline:project-detail", "tendering.tender": "tendering:tender-detail"}
PAGE_LABELS: dict[str, str | Promise] = {
    "pipeline.project": gettext_lazy("Our project page for %(ocid)s"),
    "tendering.tender": gettext_lazy("Our tender page for %(ocid)s"),
}


def _decimal(text: Any) -> float | None:
    text = str(text or "").strip()
    return float(text) if text else None


def thresholds() -> Thresholds:
    """The thresholds from CIVICPACT_RED_FLAGS (docs/configuration.md); what is not set keeps the domain's default."""
    config: dict[str, Any] = dict(getattr(settings, "CIVICPACT_RED_FLAGS", {}))
    d = Thresholds()

    def number(key: str) -> int:
        return int(config.get(key, getattr(d, key)))

    growth = _decimal(config.get("value_growth"))
    return Thresholds(
        currency=settings.CIVICPACT_CURRENCY,
        competitive_methods=frozenset(config.get("competitive_methods", d.competitive_methods)),
        r003_days=number("r003_days"),
        r024_threshold=_decimal(config.get("r024_threshold")),
        r025_percentile=number("r025_percentile"),
        r025_threshold=_decimal(config.get("r025_threshold")),
        r035_threshold=number("r035_threshold"),
        r038_threshold=_decimal(config.get("r038_threshold")),
        r038_minimum_submitted_bids=number("r038_minimum_submitted_bids"),
        r038_minimum_contracting_processes=number("r038_minimum_contracting_processes"),
        r058_threshold=_decimal(config.get("r058_threshold")),
        minimum_sample=number("minimum_sample"),
        amendments_count=number("amendments_count"),
        amendments_months=number("amendments_months"),
        capped_months=number("capped_months"),
        unsolicited_markers=tuple(config.get("unsolicited_markers", d.unsolicited_markers)),
        value_growth=d.value_growth if growth is None else growth,
    )


def processes() -> Iterator[Process]:
    """Every contracting process: its compiled release (from the cache) and its releases, streamed by ocid."""
    for process in compiled.processes():
        yield Process(process.compiled, process.releases)


def red_flag_report() -> Report:
    """The indicators over every published process, cached until a release is published or a threshold changes."""
    limits = thresholds()
    state = Release.objects.aggregate(count=Count("pk"), last=Max("pk"), latest=Max("date"))
    stamp = f"{state['count']}:{state['last']}:{state['latest']}:{limits!r}"
    key = "civicpact:red-flags:" + hashlib.sha256(stamp.encode()).hexdigest()
    report: Report | None = cache.get(key)
    if report is None:
        report = evaluate(processes(), limits)
        cache.set(key, report, timeout=3600)
    return report


# --- what auditors see -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class Evidence:
    finding: Finding
    indicator: Indicator
    rows: list[tuple[str, str]]  # the evidence values, flattened for a table
    links: list[Link]


def record_url(ocid: str) -> str:
    return f"/api/v1/ocds/records/{ocid}"


def _flatten(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_flatten(v) for v in value)
    return str(value)


def _page_links(ocids: tuple[str, ...], evidence: dict[str, Any], refs: dict[str, str]) -> list[Link]:
    links = [Link(_("OCDS record %(ocid)s") % {"ocid": ocid}, record_url(ocid)) for ocid in ocids]
    for ocid in ocids:
        label, _colon, pk = refs.get(ocid, "").partition(":")
        if label in PAGES and pk.isdigit():
            links.append(Link(str(PAGE_LABELS[label]) % {"ocid": ocid}, reverse(PAGES[label], args=[int(pk)])))
    match = CONTRACT_ID.match(str(evidence.get("contract", "")))
    if match:
        links.append(
            Link(
                _("Our contract page (%(contract)s)") % {"contract": match.group(0)},
                reverse("contracts:contract-detail", args=[int(match.group(1))]),
            )
        )
    return links


def red_flag_evidence(report: Report | None = None) -> list[Evidence]:
    """Every finding with its values and links, in the indicators' order."""
    report = report or red_flag_report()
    wanted = {ocid for f in report.findings for ocid in f.ocids}
    refs = dict(Ocid.objects.filter(ocid__in=wanted).values_list("ocid", "object_ref")) if wanted else {}
    return [
        Evidence(
            finding=f,
            indicator=INDICATORS[f.code],
            rows=[(key, _flatten(value)) for key, value in f.evidence.items()],
            links=_page_links(f.ocids, dict(f.evidence), refs),
        )
        for f in report.findings
    ]


# --- what everyone sees ----------------------------------------------------------------------------------------------


def red_flag_summary(report: Report | None = None) -> dict[str, Any]:
    """Counts per indicator and the flagged processes, from published data only, naming no tenderer."""
    report = report or red_flag_report()
    as_of = Release.objects.aggregate(latest=Max("date"))["latest"]
    by_code = report.by_code()
    indicators = [
        {
            "code": code,
            "title": indicator.title,
            "source": indicator.source,
            "why": indicator.why,
            "checked": report.applicable.get(code, 0),
            "flagged": len(by_code[code]),
        }
        for code, indicator in INDICATORS.items()
    ]
    processes: dict[str, dict[str, Any]] = {}
    for finding in report.findings:
        if finding.subject != "process":
            continue
        entry = processes.setdefault(
            finding.subject_id,
            {
                "ocid": finding.subject_id,
                "title": finding.subject_name,
                "record": record_url(finding.subject_id),
                "flags": [],
            },
        )
        entry["flags"].append(
            {"code": finding.code, "title": INDICATORS[finding.code].title, "explanation": finding.explanation}
        )
    organisations = sum(1 for f in report.findings if f.subject != "process")
    return {
        "as_of": as_of,
        "processes_checked": report.processes,
        "indicators": indicators,
        "flagged_processes": list(processes.values()),
        "organisation_findings": organisations,
    }


def fence_rows(report: Report) -> list[tuple[str, str]]:
    """Each outlier indicator's fence in words, for the evidence page (in the reader's language)."""
    rows = []
    for code, meta in sorted(report.fences.items()):
        values = int(meta.get("values", 0))
        if "fixed" in meta:
            text = _("fixed at %(fence)s") % {"fence": formats.number_format(meta["fence"], 4)}
        elif "fence" in meta:
            text = ngettext(
                "%(fence)s, from Q1 %(q1)s and Q3 %(q3)s over %(count)s value",
                "%(fence)s, from Q1 %(q1)s and Q3 %(q3)s over %(count)s values",
                values,
            ) % {
                "fence": formats.number_format(meta["fence"], 4),
                "q1": formats.number_format(meta["q1"], 4),
                "q3": formats.number_format(meta["q3"], 4),
                "count": l10n.number(values),
            }
        else:
            text = ngettext(
                "not computed: %(count)s value(s), at least %(minimum)s needed",
                "not computed: %(count)s value(s), at least %(minimum)s needed",
                values,
            ) % {"count": l10n.number(values), "minimum": l10n.number(int(meta["minimum_sample"]))}
        rows.append((code, text))
    return rows
