import pytest
from django.core.management import call_command

from civicpact.web.models import JobProgress


def test_an_administrator_loads_the_demo_city_as_a_background_job(flushable_ledger, client_for, admin_user):
    # transactional: the worker closes connections between tasks, as it does in production
    client = client_for(admin_user)
    response = client.post("/jobs/demo-seed/")
    job = JobProgress.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    page = client.get(f"/jobs/{job.pk}/")
    assert "status: <strong>ready</strong>" in page.content.decode()

    call_command("db_worker", batch=True, verbosity=0)

    job.refresh_from_db()
    assert job.total > 0
    assert job.done == job.total
    fragment = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert "<html" not in html
    assert "status: <strong>successful</strong>" in html
    assert f'value="{job.total}"' in html


@pytest.mark.parametrize("persona", ["officer", "auditor", "supplier"])
def test_only_administrators_start_jobs(request, city, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.post("/jobs/demo-seed/").status_code == 403
    assert JobProgress.objects.count() == 0


def test_an_unknown_job_is_not_found(client_for, admin_user):
    assert client_for(admin_user).get("/jobs/999/").status_code == 404
