from typing import Any

from django.apps import AppConfig
from django.core import checks


class AccountsConfig(AppConfig):
    name = "civicpact.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisations"

    def ready(self) -> None:
        checks.register(check_sign_in_settings, checks.Tags.security)


def check_sign_in_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """`manage.py check` (and so every command) names a malformed CIVICPACT_OIDC_* or 2FA variable."""
    from django.conf import settings

    from civicpact.accounts.models import Role
    from civicpact.accounts.sso import SsoConfigError, current_config

    errors: list[checks.CheckMessage] = []
    try:
        current_config()
    except SsoConfigError as exc:
        errors.append(checks.Error(str(exc), hint="See docs/sign-in.md.", id="civicpact.E101"))
    unknown = sorted(set(settings.CIVICPACT_2FA_ROLES) - set(Role.values))
    if unknown:
        errors.append(
            checks.Error(
                f"CIVICPACT_2FA_ROLES names unknown roles: {', '.join(unknown)}",
                hint=f"Use some of: {', '.join(Role.values)}.",
                id="civicpact.E102",
            )
        )
    return errors
