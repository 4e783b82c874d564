from django.urls import path

from civicpact.ledger import views

app_name = "ledger"

urlpatterns = [
    path("audit/", views.audit_list, name="audit-list"),
    path("audit/verify/", views.audit_verify, name="audit-verify"),
]
