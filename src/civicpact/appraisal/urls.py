from django.urls import path

from civicpact.appraisal import views

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
    path("projects/<int:pk>/business-case/", views.business_case, name="business-case"),
    path("projects/<int:pk>/business-case/run/", views.business_case_run, name="business-case-run"),
    path("projects/<int:pk>/business-case.xlsx", views.business_case_xlsx, name="business-case-xlsx"),
    path("projects/<int:pk>/business-case/runs/<int:run_id>/", views.run_detail, name="run"),
]
