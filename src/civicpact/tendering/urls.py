from django.urls import path

from civicpact.tendering import views

app_name = "tendering"

urlpatterns = [
    path("", views.tender_list, name="tender-list"),
    path("new/<int:project_pk>/", views.tender_create, name="tender-create"),
    path("<int:pk>/", views.tender_detail, name="tender-detail"),
    path("<int:pk>/edit/", views.tender_edit, name="tender-edit"),
    path("<int:pk>/publish/", views.tender_publish, name="tender-publish"),
    path("<int:pk>/bid/", views.bid_submit, name="bid-submit"),
    path("<int:pk>/bid/withdraw/", views.bid_withdraw, name="bid-withdraw"),
    path("<int:pk>/open/", views.tender_open, name="tender-open"),
    path("<int:pk>/questions/", views.clarification_ask, name="clarification-ask"),
    path("<int:pk>/questions/<int:clarification_pk>/answer/", views.clarification_answer, name="clarification-answer"),
]
