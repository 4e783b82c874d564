from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "civicpact.pipeline"
    label = "pipeline"
    verbose_name = "Needs, projects and stage gates"
