"""The public transparency portal (no login) under /open/."""

from django.urls import URLPattern, URLResolver

app_name = "transparency"

urlpatterns: list[URLPattern | URLResolver] = []

# Red flags (issue 7, part 8): the public summary and the auditors' evidence.
from django.urls import path  # noqa: E402

from civicpact.transparency import redflag_views  # noqa: E402

urlpatterns += [
    path("red-flags/", redflag_views.red_flag_summary, name="red-flags"),
    path("red-flags/evidence/", redflag_views.red_flag_evidence, name="red-flags-evidence"),
]
