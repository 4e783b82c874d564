"""The public transparency portal (no login) under /open/."""

from django.urls import URLPattern, URLResolver

app_name = "transparency"

urlpatterns: list[URLPattern | URLResolver] = []

# Imported OCDS data (docs/ocds-import.md).
from django.urls import path  # noqa: E402

from civicpact.transparency import import_views  # noqa: E402

urlpatterns += [
    path("imported/", import_views.imported_list, name="imported-list"),
    path("imported/upload/", import_views.imported_upload, name="imported-upload"),
    path("imported/<str:ocid>/", import_views.imported_detail, name="imported-detail"),
]
