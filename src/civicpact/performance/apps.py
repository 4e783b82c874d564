from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "civicpact.performance"
    label = "performance"
    verbose_name = "Performance"

    def ready(self) -> None:
        from civicpact.contracts.hooks import register_in_force_hook
        from civicpact.performance.publication import regime_in_force

        register_in_force_hook(regime_in_force)
