from django.apps import AppConfig


class FinanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "civicpact.finance"
    label = "finance"
    verbose_name = "Finance hand-off"

    def ready(self) -> None:
        from civicpact.finance.services import invoice_for_statement
        from civicpact.performance.hooks import register_issued_hook

        register_issued_hook(invoice_for_statement)
