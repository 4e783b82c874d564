"""What the tendering tells later steps, without importing them: the contracts app listens (in the same
transaction) to create the draft contract at the award and to void it when the award is set aside."""

from __future__ import annotations

from django.dispatch import Signal

award_decided = Signal()  # kwargs: award (Award), price (Decimal: the winning price, or the matched one), actor
award_annulled = Signal()  # kwargs: award (Award), reason (str), actor
