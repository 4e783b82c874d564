from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from civicpact.accounts.models import ApiToken, ExternalIdentity, Membership, Organisation, User


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


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Links a CivicPact account to a single sign-on identity (issuer and subject), e.g. an account that signed in
    with a password before single sign-on was switched on."""

    list_display = ("user", "issuer", "subject", "email", "last_login_at")
    search_fields = ("user__username", "subject", "email")
    readonly_fields = ("created_at", "last_login_at")
