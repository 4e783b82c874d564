"""The public transparency portal (no login) under /open/: the portal's pages (portal_views.py) and the red flags
(redflag_views.py)."""

from django.urls import URLPattern, URLResolver, path

from civicpact.transparency import import_views, portal_views, redflag_views

app_name = "transparency"

urlpatterns: list[URLPattern | URLResolver] = [
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
    # red flags (issue 7, part 8): the public summary and the auditors' evidence
    path("red-flags/", redflag_views.red_flag_summary, name="red-flags"),
    path("red-flags/evidence/", redflag_views.red_flag_evidence, name="red-flags-evidence"),
    # imported OCDS data (docs/ocds-import.md)
    path("imported/", import_views.imported_list, name="imported-list"),
    path("imported/upload/", import_views.imported_upload, name="imported-upload"),
    path("imported/<str:ocid>/", import_views.imported_detail, name="imported-detail"),
]
