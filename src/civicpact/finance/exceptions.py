"""The finance app's one base error."""


class FinanceError(Exception):
    """A refusal whose message is shown as it is: 409 in the API and on pages, exit 1 on the command line."""


class StaleVersion(FinanceError):
    """Someone changed the object after the page or request read it: nothing is saved (HTTP 409)."""
