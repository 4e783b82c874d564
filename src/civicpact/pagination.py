"""The API's page-number pagination: django-ninja's, with the page number bounded.

ninja accepts any page number from 1 up; a page number such as 10**28 reaches the database as an OFFSET no
integer type holds, and SQLite's driver raises OverflowError (a 500). Bounded here, it is a 422 naming `page`.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination as NinjaPageNumberPagination

MAX_PAGE = 1_000_000


class PageNumberPagination(NinjaPageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description=f"Page number, 1 to {MAX_PAGE:,}.")
        page_size: int | None = Field(None, ge=1)
