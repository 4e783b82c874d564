from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "civicpact.performance"
    label = "performance"
    verbose_name = "Performance"
