from django.urls import path

from civicpact.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="contract-list"),
    path("new/", views.contract_create, name="contract-create"),
    path("<int:pk>/", views.contract_detail, name="contract-detail"),
    path("<int:pk>/versions/<int:number>/", views.version_detail, name="version-detail"),
    path("<int:pk>/amend/", views.contract_amend, name="contract-amend"),
    path("<int:pk>/sign/", views.contract_sign, name="contract-sign"),
    path("<int:pk>/documents/", views.document_attach, name="document-attach"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="document-download"),
]
