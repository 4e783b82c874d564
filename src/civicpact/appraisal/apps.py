from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "civicpact.appraisal"
    label = "appraisal"
    verbose_name = "Screening, structuring, risks and terms"

    def ready(self) -> None:
        from civicpact.appraisal.gates import register_gate_checks

        register_gate_checks()
