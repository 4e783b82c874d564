"""What later steps do when a payment statement is issued.

The performance app comes before the finance hand-off in the lifecycle, so it cannot import it. Later apps register
a hook here when they start (`AppConfig.ready`, e.g. `FinanceConfig.ready`); `statement_issue` calls every hook
explicitly, inside the issue's transaction and after the statement's own release, so that what a hook makes (the
statement's invoice) exists exactly when the issued statement does. Not a model signal: bulk writes and fixtures
never bypass or trigger it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# hook(actor=..., statement=...): the statement is issued, its release appended
IssuedHook = Callable[..., object]  # what a hook returns is ignored
_issued_hooks: list[IssuedHook] = []


def register_issued_hook(hook: IssuedHook) -> None:
    if hook not in _issued_hooks:
        _issued_hooks.append(hook)


def run_issued_hooks(*, actor: Any, statement: Any) -> None:
    for hook in list(_issued_hooks):
        hook(actor=actor, statement=statement)
