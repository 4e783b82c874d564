from __future__ import annotations

from typing import Any

from django import template

from civicpact.notifications.interests import interest_registered

register = template.Library()


@register.simple_tag
def tender_interest(user: Any, tender: Any) -> bool:
    """Whether the visitor's supplier registered interest in the tender (for the tender page's form)."""
    return interest_registered(actor=user, tender=tender)
