from django.urls import path

from civicpact.finance import views

app_name = "finance"

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice-list"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/reference/", views.invoice_reference, name="invoice-reference"),
    path("invoices/<int:pk>/approve/", views.invoice_approve, name="invoice-approve"),
    path("invoices/<int:pk>/reject/", views.invoice_reject, name="invoice-reject"),
    path("exports/", views.export_list, name="exports"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("index-series/", views.index_series, name="index-series"),
    path("contracts/<int:pk>/terms/", views.terms_edit, name="terms"),
]
