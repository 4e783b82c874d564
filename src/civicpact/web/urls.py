from django.urls import path

from civicpact.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("guidance/cases/", views.guidance, name="guidance"),
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/demo-seed/", views.job_demo_seed, name="job-demo-seed"),
    path("jobs/<int:pk>/", views.job_detail, name="job-detail"),
]
