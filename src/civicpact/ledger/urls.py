from django.urls import path

from civicpact.ledger import views

app_name = "ledger"

urlpatterns = [
    path("audit/", views.audit_list, name="audit-list"),
    path("audit/verify/", views.audit_verify, name="audit-verify"),
]

# The public export of the chain and a page to check one (docs/audit-export.md).
from civicpact.ledger import export_views  # noqa: E402

urlpatterns += [
    path("audit/export.json", export_views.audit_export, name="audit-export"),
    path("audit/check/", export_views.audit_export_check, name="audit-export-check"),
]

# Confidentiality claims (docs/confidentiality.md).
from civicpact.ledger import claim_views  # noqa: E402

urlpatterns += [
    path("audit/claims/", claim_views.claim_list, name="claim-list"),
    path("audit/claims/new/", claim_views.claim_new, name="claim-create"),
    path("audit/claims/<int:claim_id>/decide/", claim_views.claim_decide, name="claim-decide"),
    path("audit/claims/<int:claim_id>/end/", claim_views.claim_end, name="claim-end"),
]
