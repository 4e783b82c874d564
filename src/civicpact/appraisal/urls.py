from django.urls import path

from civicpact.appraisal import finance_views, views

app_name = "appraisal"

urlpatterns = [
    path("projects/<int:pk>/", views.overview, name="overview"),
    path("projects/<int:pk>/screening/", views.screening, name="screening"),
    path("projects/<int:pk>/model/", views.model, name="model"),
    path("projects/<int:pk>/route/", views.route, name="route"),
    path("projects/<int:pk>/risks/", views.risks, name="risks"),
    path("projects/<int:pk>/risks/<int:risk_id>/edit/", views.risk_edit, name="risk-edit"),
    path("projects/<int:pk>/risks/<int:risk_id>/delete/", views.risk_delete, name="risk-delete"),
    path("projects/<int:pk>/risks.xlsx", views.risks_xlsx, name="risks-xlsx"),
    path("projects/<int:pk>/risks/import/", views.risks_import, name="risks-import"),
    path("projects/<int:pk>/terms/", views.terms, name="terms"),
    path("projects/<int:pk>/terms.pdf", views.terms_pdf, name="terms-pdf"),
    path("projects/<int:pk>/business-case/", finance_views.business_case, name="business-case"),
    path("projects/<int:pk>/business-case/run/", finance_views.business_case_run, name="business-case-run"),
    path("projects/<int:pk>/business-case/cba/", finance_views.business_case_cba, name="business-case-cba"),
    path(
        "projects/<int:pk>/business-case/affordability/",
        finance_views.business_case_affordability,
        name="business-case-affordability",
    ),
    path("projects/<int:pk>/business-case.pdf", finance_views.business_case_pdf, name="business-case-pdf"),
    path("projects/<int:pk>/business-case.xlsx", finance_views.business_case_xlsx, name="business-case-xlsx"),
    path("projects/<int:pk>/business-case/runs/<int:run_id>/", finance_views.run_detail, name="run"),
    path("projects/<int:pk>/business-case/runs/<int:run_id>/cancel/", finance_views.run_cancel, name="run-cancel"),
    path("commitments/", finance_views.commitments, name="commitments"),
]
