"""Small helpers shared by the apps' views and services."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError


def add_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the named fields, or on the whole form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def run_with_form(form: Any, call: Callable[[], object], refusals: tuple[type[Exception], ...]) -> int:
    """Run a service for a form: 0 when it succeeds; else its ValidationError on the form's fields (400), or a
    refusal's message on the whole form (409)."""
    try:
        call()
    except ValidationError as exc:
        add_errors(form, exc)
        return 400
    except refusals as exc:
        form.add_error(None, str(exc))
        return 409
    return 0


def upload_digest(upload: Any, limit: int) -> tuple[int, str]:
    """An uploaded file's size and SHA-256, read in chunks; ValidationError on `file` when it is empty or over
    `limit` bytes. The file is rewound for saving."""
    size = upload.size or 0
    if not size:
        raise ValidationError({"file": "The file is empty."})
    if size > limit:
        raise ValidationError({"file": f"The file is {human_size(size)}, over the {human_size(limit)} limit."})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return size, digest.hexdigest()


def human_size(size: int) -> str:
    """A file size as people say it: 512 bytes, 12 KB, 3.4 MB."""
    if size >= 1_048_576:
        return f"{size / 1_048_576:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def id_out_of_range(exc: BaseException) -> bool:
    """An id no database integer holds (e.g. 10**28 in a path): SQLite's driver raises OverflowError, PostgreSQL a
    DataError "out of range". No object has such an id, so the API and the pages answer 404."""
    from django.db import DataError

    return isinstance(exc, OverflowError) or (isinstance(exc, DataError) and "out of range" in str(exc))
