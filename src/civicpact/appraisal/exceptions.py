class AppraisalError(Exception):
    """Base error of the appraisal app; its message is shown to the user as it is."""


class StaleRegister(AppraisalError):
    """The risk register changed since the editor loaded it."""


class RunFinished(AppraisalError):
    """The simulation run has already ended (done, failed or cancelled)."""
