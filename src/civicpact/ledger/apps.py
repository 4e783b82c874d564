from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "civicpact.ledger"
    label = "ledger"
    verbose_name = "Audit chain and OCDS releases"
