class PipelineError(Exception):
    """Base error of the pipeline app; its message is shown to the user as it is."""


class StaleEdit(PipelineError):
    """Someone else saved the object since the editor loaded it."""


class GateRefused(PipelineError):
    pass
