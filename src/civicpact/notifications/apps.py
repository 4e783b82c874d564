from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "civicpact.notifications"
    label = "notifications"
    verbose_name = "Notifications and deadlines"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicpact.notifications import checks  # noqa: F401  (registers the settings checks)
