from django.apps import AppConfig


class ContractsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "civicpact.contracts"
    label = "contracts"
    verbose_name = "Contracts"

    def ready(self) -> None:
        from civicpact.contracts import receivers  # noqa: F401  (connects to the tendering's signals)
