from django.contrib import admin
from django.urls import include, path

from civicpact.api import api
from civicpact.web.views import healthz, language_set, readyz

urlpatterns = [
    path("", include("civicpact.web.urls")),
    path("accounts/", include("civicpact.accounts.urls")),
    path("", include("civicpact.ledger.urls")),
    path("pipeline/", include("civicpact.pipeline.urls")),
    path("appraisal/", include("civicpact.appraisal.urls")),
    path("tenders/", include("civicpact.tendering.urls")),
    path("contracts/", include("civicpact.contracts.urls")),
    path("contracts/", include("civicpact.performance.urls")),
    path("finance/", include("civicpact.finance.urls")),
    path("open/", include("civicpact.transparency.urls")),
    path("", include("civicpact.notifications.urls")),
    path("api/v1/", api.urls),
    path("i18n/setlang/", language_set, name="set_language"),  # the language switcher's POST
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("django-admin/", admin.site.urls),
]
