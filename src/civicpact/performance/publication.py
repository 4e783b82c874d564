"""OCDS releases of the performance regime: the contract's agreedMetrics when a regime version is saved for a
contract in force (contractUpdate), and an implementation release for each issued payment statement
(transaction, availability metric, performance failures with their penalties). Called inside the caller's
transaction, so a release exists exactly when the change does (docs/performance-regime.md, "Publication")."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from civicpact.accounts.models import User
from civicpact.contracts.models import Contract
from civicpact.contracts.services import contract_ocid
from civicpact.domain import ocds
from civicpact.domain.contracts import ContractStatus, PartyRole, ocds_roles
from civicpact.domain.performance.regime import regime_from_mapping
from civicpact.ledger.models import Release
from civicpact.ledger.selectors import release_list
from civicpact.ledger.services import release_append
from civicpact.performance.models import Regime, Statement, StatementStatus

STATEMENT_OCDS_ID = re.compile(r"statement-([0-9]+)")


class PublicationError(Exception):
    """The statement or contract cannot be published as it stands."""


def statement_ocds_id(statement: Statement) -> str:
    """The id of a statement's transaction and document: stable, and never given to another statement."""
    return f"statement-{statement.pk}"


def statement_pk(ocds_id: str) -> int | None:
    """The statement that a published transaction or document id names (the inverse of statement_ocds_id)."""
    found = STATEMENT_OCDS_ID.fullmatch(ocds_id)
    return int(found[1]) if found else None


def _award_id(contract: Contract) -> str:
    """As the contract releases write it (contracts.services._contract_release)."""
    return f"award-{contract.award_id}" if contract.award_id else f"award-direct-{contract.pk}"


def award_ocds_id(contract: Contract) -> str:
    """The awardID a contract's releases name (used by later apps' implementation releases)."""
    return _award_id(contract)


def _party(contract: Contract, role: PartyRole) -> ocds.ContractParty:
    version = contract.current
    if version is None:
        raise PublicationError("No version of the contract is in force: there is nothing to publish against.")
    found = next((p for p in version.party_list() if p.role == role), None)
    if found is None:
        raise PublicationError(f"The contract in force has no {role.value} party.")
    return ocds.ContractParty(f"org-{found.organisation_id}", found.name, ocds_roles(found.role))


def issued_statement(statement: Statement) -> ocds.IssuedStatement:
    """The plain description of an issued statement that domain.ocds maps to OCDS."""
    if statement.status != StatementStatus.ISSUED or statement.issued_at is None:
        raise PublicationError("Only an issued statement is published.")
    contract = statement.contract
    corrected = statement.corrects
    return ocds.IssuedStatement(
        statement_id=statement_ocds_id(statement),
        number=statement.number,
        month=statement.month,
        issued=statement.issued_at,
        regime_version=statement.regime.number,
        regime=regime_from_mapping(statement.regime.document),
        figures=statement.figures,
        payer=_party(contract, PartyRole.CITY),
        payee=_party(contract, PartyRole.PARTNER),
        corrects=None
        if corrected is None
        else ocds.CorrectedStatement(statement_ocds_id(corrected), corrected.number, Decimal(corrected.net)),
    )


def statement_release(actor: User, statement: Statement) -> Release | None:
    """The implementation release of an issued statement; a draft is never published (None)."""
    if statement.status != StatementStatus.ISSUED:
        return None
    contract = statement.contract
    sections = ocds.statement_sections(
        issued_statement(statement), contract_id=contract.ocds_id, award_id=_award_id(contract)
    )
    return release_append(actor=actor, ocid=contract_ocid(actor, contract), tags=["implementation"], sections=sections)


def _published_metrics(ocid: str, contract_id: str) -> list[Any] | None:
    """The agreedMetrics of the contract's latest release that has them (None when none has)."""
    for release in release_list(ocid=ocid).order_by("-date").iterator():
        if "contractUpdate" not in release.tags:
            continue
        for published in release.body.get("contracts", ()):
            if published.get("id") == contract_id and "agreedMetrics" in published:
                return list(published["agreedMetrics"])
    return None


def regime_release(actor: User, contract: Contract, *, unless_published: bool = False) -> Release | None:
    """A contractUpdate release with the contract's agreedMetrics from its latest regime version, for a contract
    in force (a draft contract's terms are not public yet: None). Not a contractAmendment: the regime is the
    contract's schedule as managed, not a formal amendment of its terms. With `unless_published`, nothing is
    published when the contract's latest published agreedMetrics are already these (None)."""
    if contract.status != ContractStatus.ACTIVE or contract.current is None:
        return None
    regime = Regime.objects.filter(contract=contract).order_by("-number").first()
    if regime is None:
        return None
    sections = ocds.agreed_metrics_sections(
        regime_from_mapping(regime.document),
        version=regime.number,
        contract_id=contract.ocds_id,
        award_id=_award_id(contract),
    )
    ocid = contract_ocid(actor, contract)
    if unless_published and _published_metrics(ocid, contract.ocds_id) == sections["contracts"][0]["agreedMetrics"]:
        return None
    return release_append(actor=actor, ocid=ocid, tags=["contractUpdate"], sections=sections)


def regime_in_force(*, actor: User, contract: Contract, first: bool) -> None:
    """The contracts app's "in force" hook (registered in PerformanceConfig.ready): a regime saved while the
    contract was a draft is published once the contract comes into force; a regime already published (saved on
    the contract in force, or an amendment coming into force later) is not published again."""
    regime_release(actor, contract, unless_published=True)
