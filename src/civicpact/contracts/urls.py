from django.urls import path

from civicpact.contracts import change_views, views

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
    path("<int:pk>/milestones/", views.milestones_plan, name="milestones-plan"),
    path("<int:pk>/milestones/<int:milestone_pk>/report/", views.milestone_report, name="milestone-report"),
    path("<int:pk>/milestones/<int:milestone_pk>/decide/", views.milestone_decide, name="milestone-decide"),
    path("<int:pk>/changes/", change_views.change_request, name="change-request"),
    path("<int:pk>/changes/<int:number>/", change_views.change_detail, name="change-detail"),
    path("<int:pk>/changes/<int:number>/assess/", change_views.change_assess, name="change-assess"),
    path("<int:pk>/changes/<int:number>/decide/", change_views.change_decide, name="change-decide"),
]
