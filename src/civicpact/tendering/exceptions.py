from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from civicpact.tendering.wording import Phrase


class TenderingError(Exception):
    """Base error of the tendering app: its message in English (the API's), which a page shows in the reader's
    language with `wording.shown()`. `params` fill the message's %(name)s placeholders."""

    def __init__(self, message: str = "", params: Mapping[str, Any] | None = None) -> None:
        self.phrase = Phrase(message, params)
        super().__init__(str(self.phrase))


class Sealed(TenderingError):
    """Bid contents stay sealed until the submission deadline has passed and the opening is recorded."""


class DeadlinePassed(TenderingError):
    """The submission deadline has passed."""


class StaleTender(TenderingError):
    """The tender changed since the editor loaded it."""
