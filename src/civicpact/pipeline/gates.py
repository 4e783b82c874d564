"""Conditions later steps put on stage gates.

The pipeline comes first in the lifecycle, so it cannot import the apps that record screenings, risks or
term sheets. Those apps register a check here when they start (AppConfig.ready); every gate approval asks
all checks, and any reason they return refuses the approval.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

GateCheck = Callable[[Any], list[str]]
_checks: list[GateCheck] = []


def register_gate_check(check: GateCheck) -> None:
    if check not in _checks:
        _checks.append(check)


def gate_blockers(project: Any) -> list[str]:
    """Why the project's current gate cannot be approved yet; empty when it can."""
    return [reason for check in _checks for reason in check(project)]


DocumentProvider = Callable[[Any], list[Any]]
_document_providers: list[DocumentProvider] = []


def register_planning_documents(provider: DocumentProvider) -> None:
    """Later steps add public documents (as domain.ocds.DocumentRef) to the project's planning releases."""
    if provider not in _document_providers:
        _document_providers.append(provider)


def planning_documents(project: Any) -> list[Any]:
    return [document for provider in _document_providers for document in provider(project)]
