class TenderingError(Exception):
    """Base error of the tendering app; its message is shown to the user as it is."""


class Sealed(TenderingError):
    """Bid contents stay sealed until the submission deadline has passed and the opening is recorded."""


class DeadlinePassed(TenderingError):
    """The submission deadline has passed."""


class StaleTender(TenderingError):
    """The tender changed since the editor loaded it."""
