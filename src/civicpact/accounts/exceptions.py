class AccountsError(Exception):
    """Base error of the accounts app; its message is shown to the user as it is."""


class DuplicateRegistration(AccountsError):
    pass


class InvalidTransition(AccountsError):
    pass


class TokenRefused(AccountsError):
    """A known API token that no longer authenticates (expired or revoked); the message says which and since when."""
