from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from civicpact.notifications.models import Notification


def unread(request: HttpRequest) -> dict[str, Any]:
    """The header's bell: the signed-in person's unread notifications (one count query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.filter(user=user, read_at__isnull=True).count()}
