"""The one NinjaAPI: /api/v1/, one OpenAPI document, one error shape.

Errors always look like {"detail": "...", "errors": [{"field": "...", "message": "..."}]}.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from civicpact.accounts.api import router as accounts_router
from civicpact.accounts.auth import AUTHENTICATED
from civicpact.appraisal.api import router as appraisal_router
from civicpact.contracts.api import router as contracts_router
from civicpact.finance.api import router as finance_router
from civicpact.ledger.api import router as ledger_router
from civicpact.ledger.claim_api import router as claims_router
from civicpact.notifications.api import router as notifications_router
from civicpact.performance.api import router as performance_router
from civicpact.pipeline.api import router as pipeline_router
from civicpact.tendering.api import router as tendering_router
from civicpact.transparency.api import router as transparency_router
from civicpact.util import id_out_of_range

api = NinjaAPI(
    title="CivicPact API",
    version="1",
    description="Smart-city PPPs and innovation procurement, end to end. Authenticate with a session (browser, "
    "CSRF-checked) or `Authorization: Bearer <token>` (tokens are created on the My account page).",
    auth=AUTHENTICATED,
    urls_namespace="api",
)


SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}


def error_body(detail: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or []}


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: list[dict[str, str]] = []
    for err in exc.errors:
        location = [str(p) for p in err.get("loc", [])]
        if location and location[0] in SOURCES:  # where the value came from, not which field
            location = location[1:]
        location = [p for p in location if p != "payload"]
        errors.append({"field": ".".join(location), "message": str(err.get("msg", "invalid"))})
    return api.create_response(request, error_body("The request has invalid fields.", errors), status=422)


@api.exception_handler(ValidationError)
def on_django_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: list[dict[str, str]] = []
    if hasattr(exc, "error_dict"):
        for field, field_errors in exc.message_dict.items():
            errors.extend({"field": "" if field == "__all__" else field, "message": m} for m in field_errors)
    else:
        errors = [{"field": "", "message": m} for m in exc.messages]
    return api.create_response(request, error_body("The request was refused.", errors), status=422)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = "Authentication required: send a valid 'Authorization: Bearer <token>' header or sign in."
    if exc.message != AuthenticationError().message:  # a token we know, refused for a reason it is told
        detail = exc.message
    response = api.create_response(request, error_body(detail), status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, error_body(str(exc) or "You may not do this."), status=403)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body(str(exc) or "Not found."), status=404)


@api.exception_handler(ObjectDoesNotExist)
def on_object_missing(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    """An id in the path or the body that names nothing (or nothing of that parent): 404, never a 500."""
    name = type(exc).__qualname__.split(".")[0]  # e.g. "Bid" from Bid.DoesNotExist
    label = name if name != "ObjectDoesNotExist" else "object"
    return api.create_response(
        request, error_body(f"No such {label.lower()}: check the ids in the request."), status=404
    )


OUT_OF_RANGE = "No such object: an id in the request is out of range."


@api.exception_handler(OverflowError)
def on_overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    return api.create_response(request, error_body(OUT_OF_RANGE), status=404)


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    if not id_out_of_range(exc):
        raise exc
    return api.create_response(request, error_body(OUT_OF_RANGE), status=404)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, error_body(str(exc)), status=exc.status_code)


api.add_router("/accounts/", accounts_router)
api.add_router("/audit/", ledger_router)
api.add_router("/claims/", claims_router)
api.add_router("/pipeline/", pipeline_router)
api.add_router("/appraisal/", appraisal_router)
api.add_router("/tendering/", tendering_router)
api.add_router("/contracts/", contracts_router)
api.add_router("/performance/", performance_router)
api.add_router("/finance/", finance_router)
api.add_router("/ocds/", transparency_router)
api.add_router("/notifications/", notifications_router)
