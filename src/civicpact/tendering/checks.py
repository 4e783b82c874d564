"""System check: a deployment that cannot seal bids must not start quietly."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register("civicpact", deploy=False)
def bid_master_key_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    from civicpact.tendering.sealing import master_keys

    try:
        master_keys()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), hint="Set CIVICPACT_BID_MASTER_KEY (docs/sealed-bids.md).", id="civicpact.E001")]
    return []
