from django.urls import path

from civicpact.pipeline import views

app_name = "pipeline"

urlpatterns = [
    path("needs/", views.need_list, name="need-list"),
    path("needs/new/", views.need_create, name="need-create"),
    path("needs/<int:pk>/", views.need_detail, name="need-detail"),
    path("needs/<int:pk>/edit/", views.need_edit, name="need-edit"),
    path("needs/<int:pk>/withdraw/", views.need_withdraw, name="need-withdraw"),
    path("needs/<int:pk>/documents/", views.need_document, name="need-document"),
    path("documents/<int:pk>/", views.document_download, name="document-download"),
    path("projects/", views.project_board, name="project-board"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/gate/", views.project_gate, name="project-gate"),
    path("roadmap/", views.roadmap, name="roadmap"),
    path("projects/<int:pk>/market-sounding/", views.rfi_create, name="rfi-create"),
    path("opportunities/", views.opportunities, name="opportunities"),
    path("market-soundings/<int:pk>/", views.rfi_detail, name="rfi-detail"),
    path("market-soundings/<int:pk>/close/", views.rfi_close, name="rfi-close"),
]
