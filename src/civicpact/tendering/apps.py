from django.apps import AppConfig


class TenderingConfig(AppConfig):
    name = "civicpact.tendering"
    label = "tendering"
    verbose_name = "Tendering"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicpact.tendering import checks  # noqa: F401 - registers the sealing key check
