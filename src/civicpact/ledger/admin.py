from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from civicpact.ledger.models import AuditEvent, Release


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "time", "actor_label", "action", "object_ref", "public")


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ("release_id", "ocid", "date")
