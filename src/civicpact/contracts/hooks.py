"""What later steps do when a contract version comes into force.

The contracts app comes before the performance regime in the lifecycle, so it cannot import it. Later apps
register a hook here when they start (`AppConfig.ready`, e.g. `PerformanceConfig.ready`); `contract_sign` calls
every hook explicitly, inside the signature's transaction and after the contract's own release, once the last
party has signed a version. Not a model signal: bulk writes and fixtures never bypass or trigger it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# hook(actor=..., contract=..., first=...): `first` is True when the contract comes into force for the first time
InForceHook = Callable[..., None]
_in_force_hooks: list[InForceHook] = []


def register_in_force_hook(hook: InForceHook) -> None:
    if hook not in _in_force_hooks:
        _in_force_hooks.append(hook)


def run_in_force_hooks(*, actor: Any, contract: Any, first: bool) -> None:
    for hook in list(_in_force_hooks):
        hook(actor=actor, contract=contract, first=first)
