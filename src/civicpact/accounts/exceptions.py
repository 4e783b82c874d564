class AccountsError(Exception):
    """Base error of the accounts app; its message is shown to the user as it is."""


class DuplicateRegistration(AccountsError):
    pass


class InvalidTransition(AccountsError):
    pass


class TokenRefused(AccountsError):
    """A known API token that no longer authenticates (expired or revoked); the message says which and since when."""


class SignInRefused(AccountsError):
    """Single sign-on worked at the provider, but CivicPact may not let this person in; the message says why."""


class WrongCode(AccountsError):
    """A two-factor code that matches no device of the person."""


class TooManyAttempts(AccountsError):
    """Too many wrong two-factor codes in a row: verification pauses for a while."""
