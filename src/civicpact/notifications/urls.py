from django.urls import path

from civicpact.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:pk>/read/", views.notification_read, name="read"),
    path("notifications/read-all/", views.notifications_read_all, name="read-all"),
    path("notifications/settings/", views.preferences, name="settings"),
    path("notifications/calendar/rotate/", views.calendar_rotate, name="calendar-rotate"),
    path("notifications/calendar/revoke/", views.calendar_revoke, name="calendar-revoke"),
    path("notifications/holidays/", views.holiday_list, name="holidays"),
    path("notifications/holidays/<int:pk>/remove/", views.holiday_remove, name="holiday-remove"),
    path("notifications/interest/<int:tender_id>/", views.interest, name="interest"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
