from django.urls import path

from civicpact.performance import (
    drilldown_views,
    incident_views,
    record_views,
    regime_form_views,
    report_views,
    views,
)

app_name = "performance"

urlpatterns = [
    path("<int:pk>/performance/", views.overview, name="overview"),
    path("<int:pk>/performance/regime/", views.regime_edit, name="regime"),
    path("<int:pk>/performance/assets/", views.assets_upload, name="assets"),
    path("<int:pk>/performance/telemetry/", views.telemetry_upload, name="telemetry"),
    path("<int:pk>/performance/batches/<int:batch_pk>/", views.batch_detail, name="batch"),
    path("<int:pk>/performance/statements/", views.statement_compute, name="statement-compute"),
    path("<int:pk>/performance/statements/<int:statement_pk>/", views.statement_detail, name="statement"),
    path("<int:pk>/performance/statements/<int:statement_pk>/issue/", views.statement_issue, name="statement-issue"),
    path(
        "<int:pk>/performance/statements/<int:statement_pk>/correct/",
        views.statement_correct,
        name="statement-correct",
    ),
    path("<int:pk>/performance/statements/<int:statement_pk>/disputes/", views.dispute_raise, name="dispute-raise"),
    path(
        "<int:pk>/performance/statements/<int:statement_pk>/disputes/<int:dispute_pk>/answer/",
        views.dispute_answer,
        name="dispute-answer",
    ),
]
urlpatterns += [
    path("<int:pk>/performance/dashboard/", report_views.dashboard, name="dashboard"),
    path(
        "<int:pk>/performance/statements/<int:statement_pk>/statement.pdf",
        report_views.statement_pdf,
        name="statement-pdf",
    ),
    path(
        "<int:pk>/performance/statements/<int:statement_pk>/statement.xlsx",
        report_views.statement_xlsx,
        name="statement-xlsx",
    ),
]

urlpatterns += [  # the regime as a form
    path("<int:pk>/performance/regime/form/", regime_form_views.regime_form, name="regime-form"),
]

urlpatterns += [  # incidents, periodic KPI scores and remediation plans (docs/incidents.md)
    path("<int:pk>/performance/incidents/", incident_views.incident_list, name="incidents"),
    path("<int:pk>/performance/incidents/new/", incident_views.incident_report, name="incident-report"),
    path("<int:pk>/performance/incidents/<int:incident_pk>/", incident_views.incident_detail, name="incident"),
    path(
        "<int:pk>/performance/incidents/<int:incident_pk>/respond/",
        incident_views.incident_step,
        {"action": "respond"},
        name="incident-respond",
    ),
    path(
        "<int:pk>/performance/incidents/<int:incident_pk>/fix/",
        incident_views.incident_step,
        {"action": "fix"},
        name="incident-fix",
    ),
    path(
        "<int:pk>/performance/incidents/<int:incident_pk>/correct/",
        incident_views.incident_correct,
        name="incident-correct",
    ),
    path("<int:pk>/performance/scores/", incident_views.score_list, name="scores"),
    path("<int:pk>/performance/remediation/", incident_views.plan_list, name="plans"),
    path("<int:pk>/performance/remediation/<int:plan_pk>/", incident_views.plan_detail, name="plan"),
    path(
        "<int:pk>/performance/remediation/<int:plan_pk>/<slug:action>/",
        incident_views.plan_step,
        name="plan-step",
    ),
]

urlpatterns += [  # the drill-down (docs/performance-regime.md)
    path(
        "<int:pk>/performance/statements/<int:statement_pk>/assets/<str:asset_id>/",
        drilldown_views.statement_asset,
        name="statement-asset",
    ),
    path(
        "<int:pk>/performance/months/<str:month>/assets/<str:asset_id>/",
        drilldown_views.month_asset,
        name="month-asset",
    ),
]
urlpatterns += [
    path("suppliers/<int:organisation_pk>/performance/", record_views.record, name="supplier-record"),
]
