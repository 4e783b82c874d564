"""The public transparency portal (no login) under /open/."""

from django.urls import URLPattern, URLResolver

app_name = "transparency"

urlpatterns: list[URLPattern | URLResolver] = []

# The public portal (portal_views.py): no login, only what is published.
from django.urls import path  # noqa: E402

from civicpact.transparency import portal_views  # noqa: E402

urlpatterns += [
    path("", portal_views.home, name="home"),
    path("search/", portal_views.search, name="search"),
    path("projects/", portal_views.project_list, name="project-list"),
    path("projects/<str:ocid>/", portal_views.project_detail, name="project-detail"),
    path("tenders/", portal_views.tender_list, name="tender-list"),
    path("awards/", portal_views.award_list, name="award-list"),
    path("contracts/", portal_views.contract_list, name="contract-list"),
    path("contracts/<str:ocid>/<str:contract_id>/", portal_views.contract_detail, name="contract-detail"),
    path("suppliers/", portal_views.supplier_list, name="supplier-list"),
    path("suppliers/<str:party_id>/", portal_views.supplier_detail, name="supplier-detail"),
]
