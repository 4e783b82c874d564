class LedgerError(Exception):
    """Base error of the ledger app."""


class AppendOnlyViolation(LedgerError):
    pass


class ReleaseOrderError(LedgerError):
    pass
