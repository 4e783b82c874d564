class LedgerError(Exception):
    """Base error of the ledger app."""


class AppendOnlyViolation(LedgerError):
    pass


class ReleaseOrderError(LedgerError):
    pass


class SchemaMissing(LedgerError):
    """The OCDS schemas are not in CIVICPACT_OCDS_DIR (and could not be fetched there)."""
