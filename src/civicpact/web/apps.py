from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "civicpact.web"
    label = "web"
    verbose_name = "Web shell and background jobs"
