class AccountsError(Exception):
    """Base error of the accounts app; its message is shown to the user as it is."""


class DuplicateRegistration(AccountsError):
    pass


class InvalidTransition(AccountsError):
    pass
