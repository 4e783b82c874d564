from django.urls import path

from civicpact.contracts import change_views, governance_views, views

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

# Governance: disputes on the escalation ladder, bodies and meetings, the end of the term (appended, so that the
# routes above stay as they are).

urlpatterns += [
    path("<int:pk>/governance/", governance_views.governance_page, name="governance"),
    path("<int:pk>/governance/disputes/", governance_views.dispute_raise, name="dispute-raise"),
    path("<int:pk>/governance/disputes/<int:number>/", governance_views.dispute_detail, name="dispute-detail"),
    path(
        "<int:pk>/governance/disputes/<int:number>/<str:action>/",
        governance_views.dispute_act,
        name="dispute-act",
    ),
    path("<int:pk>/governance/bodies/", governance_views.body_create, name="body-create"),
    path("<int:pk>/governance/bodies/<int:body_pk>/meetings/", governance_views.meeting_create, name="meeting-create"),
    path("<int:pk>/governance/meetings/<int:meeting_pk>/", governance_views.meeting_detail, name="meeting-detail"),
    path(
        "<int:pk>/governance/meetings/<int:meeting_pk>/record/",
        governance_views.meeting_record,
        name="meeting-record",
    ),
    path(
        "<int:pk>/governance/meetings/<int:meeting_pk>/decisions/",
        governance_views.decision_add,
        name="decision-add",
    ),
    path(
        "<int:pk>/governance/meetings/<int:meeting_pk>/decisions/<int:decision_pk>/",
        governance_views.decision_update,
        name="decision-update",
    ),
    path("<int:pk>/governance/extension/", governance_views.extension_decide, name="extension-decide"),
    path("<int:pk>/governance/exit-plan/", governance_views.exit_plan, name="exit-plan"),
    path("<int:pk>/governance/exit-plan/start/", governance_views.exit_plan_start, name="exit-plan-start"),
    path("<int:pk>/governance/exit-plan/items/", governance_views.exit_item_add, name="exit-item-add"),
    path("<int:pk>/governance/exit-plan/items/<int:item_pk>/", governance_views.exit_item, name="exit-item"),
    path(
        "<int:pk>/governance/meetings/<int:meeting_pk>/minutes/",
        governance_views.meeting_document,
        name="meeting-document",
    ),
    path(
        "<int:pk>/governance/exit-plan/items/<int:item_pk>/evidence/",
        governance_views.exit_item_document,
        name="exit-item-document",
    ),
]
