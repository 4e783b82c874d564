from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from civicpact.accounts.models import ApiToken, Membership, Organisation, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    fieldsets = (*BaseUserAdmin.fieldsets, ("CivicPact", {"fields": ("full_name",)}))  # type: ignore[misc]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "country", "registration_number", "verification_status")
    list_filter = ("kind", "verification_status")
    search_fields = ("name", "legal_name", "registration_number")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "organisation", "role")
    list_filter = ("role",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "user", "hint", "created_at", "expires_at", "revoked_at")
    readonly_fields = ("digest", "hint", "replaced_by")
