from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "civicpact.appraisal"
    label = "appraisal"
    verbose_name = _("Screening, structuring, risks and terms")

    def ready(self) -> None:
        from civicpact.appraisal.gates import register_gate_checks

        register_gate_checks()
