from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicpact.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisations"
