"""Demo incidents on the harbour district's street lighting: the regime's second version adds schedule 6's service
KPIs (response within 2 hours, fix within 24 hours, a quarterly-style satisfaction score), and the draft month gets
four incidents (one fixed on time, one fixed late, one answered late, one reported by the helpdesk), a satisfaction
score below target and a remediation plan the partner has submitted. The issued months stay as they were issued;
the draft month is recomputed once the incidents exist, so its KPI lines count them.

Idempotent: nothing happens once the contract has incidents (or when there is no such contract).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from civicpact.accounts.models import User
from civicpact.contracts.models import Contract
from civicpact.demo.performance import CONTRACT_TITLE, _months
from civicpact.domain.performance.regime import regime_to_mapping
from civicpact.performance import incident_services as incidents
from civicpact.performance import services
from civicpact.performance.models import Incident, Statement, StatementStatus

KPIS = [
    {
        "key": "response",
        "name": "Fault answered within 2 hours",
        "kind": "response_time",
        "target": "2",
        "deduction_per_failure": "150.00",
    },
    {
        "key": "fix",
        "name": "Fault fixed within 24 hours",
        "kind": "fix_time",
        "target": "24",
        "deduction_per_failure": "250.00",
    },
    {
        "key": "satisfaction",
        "name": "Residents' satisfaction with the lighting (1-5)",
        "kind": "periodic",
        "target": "4.0",
        "deduction_per_failure": "1000.00",
    },
]


class Story(NamedTuple):
    day: int  # of the month
    hour: float  # reported at
    asset: str
    who: str  # reports it: manager or supplier
    ticket: str  # the helpdesk's, if it came through the helpdesk
    respond: float  # hours to the response
    fix: float  # hours to the fix
    what: str


STORIES = [
    Story(4, 19.25, "SL-00042", "manager", "", 0.75, 11, "Dim light at the ferry terminal steps; a resident called."),
    Story(9, 22.5, "SL-00007", "supplier", "", 1, 31, "Column SL-00007 dark again; a driver board to replace."),
    Story(17, 6, "SL-01210", "manager", "HD-2291", 3.5, 20, "Three lights out on Quay Street (helpdesk ticket)."),
    Story(23, 14, "SL-00310", "supplier", "", 0.5, 2, "Lamp head hanging loose after the wind; made safe."),
]


def seed_streetlight_incidents() -> None:
    contract = Contract.objects.filter(versions__title=CONTRACT_TITLE).first()
    if contract is None or Incident.objects.filter(contract=contract).exists():
        return
    manager = User.objects.get(username="manager")
    supplier = User.objects.get(username="supplier")
    _add_kpis(contract, manager)
    month = _months(timezone.localdate())[-1]
    zone = ZoneInfo(settings.TIME_ZONE)
    first = datetime.combine(month, datetime.min.time(), tzinfo=zone)
    people = {"manager": manager, "supplier": supplier}
    made = [_story(contract, first, people, story) for story in STORIES]
    key = month.strftime("%Y-%m")
    incidents.periodic_score_record(
        actor=manager,
        contract_id=contract.pk,
        kpi="satisfaction",
        month=key,
        score=Decimal("3.8"),
        source="Residents' panel survey, 412 answers, harbour district.",
    )
    draft = Statement.objects.filter(contract=contract, month=key).order_by("-number").first()
    if draft is None or draft.status == StatementStatus.DRAFT:
        services.statement_compute(actor=manager, contract_id=contract.pk, month=key)
    plan = incidents.remediation_raise(
        actor=manager,
        contract_id=contract.pk,
        title="Repeated late fixes of driver boards",
        actions="Keep spare LED driver boards in the harbour depot; report the stock monthly.",
        deadline=timezone.localdate() + timedelta(days=30),
        incident_id=made[1].pk,
        kpi="fix",
        month=key,
    )
    incidents.remediation_submit(
        actor=supplier,
        plan_id=plan.pk,
        expected_version=plan.version,
        plan="Forty spare boards stocked at the depot by the 15th; night crew trained to swap them.",
    )


def _add_kpis(contract: Contract, manager: User) -> None:
    regime = services.latest_regime(contract)
    if regime is None or services.regime_doc(regime).kpis:
        return
    document = regime_to_mapping(services.regime_doc(regime)) | {"kpis": KPIS}
    services.regime_save(
        actor=manager,
        contract_id=contract.pk,
        expected_number=regime.number,
        rationale="Schedule 6's service KPIs (response, fix, satisfaction), entered after the availability regime.",
        document=document,
    )


def _story(contract: Contract, first: datetime, people: dict[str, User], story: Story) -> Incident:
    reported = first + timedelta(days=story.day - 1, hours=story.hour)
    incident = incidents.incident_report(
        actor=people[story.who],
        contract_id=contract.pk,
        description=story.what,
        reported_at=reported,
        response_kpi="response",
        fix_kpi="fix",
        asset_id=story.asset,
        reference=story.ticket,
        source="helpdesk" if story.ticket else "",
        priority="urgent" if "safe" in story.what else "normal",
    )
    incident = incidents.incident_respond(
        actor=people["supplier"],
        incident_id=incident.pk,
        expected_version=incident.version,
        responded_at=reported + timedelta(hours=story.respond),
    )
    return incidents.incident_fix(
        actor=people["supplier"],
        incident_id=incident.pk,
        expected_version=incident.version,
        fixed_at=reported + timedelta(hours=story.fix),
    )
