"""/healthz (the process answers) and /readyz (every dependency of this deployment is usable)."""

import socket
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from civicpact.web.tasks import demo_seed_task
from tests.conftest import service_required
from tests.production import free_port

CHECKS = ["database", "migrations", "ocds_schemas", "data_dir", "telemetry_dir", "documents"]


def readyz(client):
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_healthz_answers_without_touching_the_database(client):
    # no `db` fixture: pytest-django fails the test if anything opens a database connection
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ready_on_a_migrated_database_with_its_folders(client):
    status, body = readyz(client)
    assert status == 200
    assert body["status"] == "ready"
    assert list(body["checks"]) == CHECKS
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["database"]["detail"] == connection.vendor


@pytest.mark.django_db
def test_readyz_is_not_cached(client):
    assert client.get("/readyz")["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_is_not_ready_while_a_migration_is_unapplied(client):
    # the database forgets one migration (the test's transaction restores it)
    MigrationRecorder(connection).record_unapplied("web", "0001_initial")
    status, body = readyz(client)
    assert status == 503
    assert body["status"] == "not ready"
    assert body["checks"]["migrations"] == {
        "ok": False,
        "detail": "1 not applied (first: web.0001_initial): run 'civicpact migrate'",
    }
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_readyz_is_not_ready_without_the_ocds_schemas(client, settings, tmp_path):
    settings.CIVICPACT_OCDS_DIR = str(tmp_path / "no-ocds-here")
    status, body = readyz(client)
    assert status == 503
    check = body["checks"]["ocds_schemas"]
    assert check["ok"] is False
    assert check["detail"].startswith("CIVICPACT_OCDS_DIR lacks standard-1__1__5/schema/release-schema.json")


@pytest.mark.django_db
def test_readyz_is_not_ready_when_the_data_dir_cannot_be_written(client, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    settings.DATA_DIR = blocker / "data"  # a folder under a file cannot be made, even by root
    status, body = readyz(client)
    assert status == 503
    assert body["checks"]["data_dir"] == {
        "ok": False,
        "detail": "CIVICPACT_DATA_DIR is not writable (NotADirectoryError)",
    }
    assert str(tmp_path) not in str(body)  # no path is given away


@pytest.mark.django_db
def test_readyz_checks_the_document_folder(client, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": blocker}},
    }
    status, body = readyz(client)
    assert status == 503
    assert body["checks"]["documents"]["detail"].startswith("CIVICPACT_MEDIA_ROOT is not writable")


@pytest.mark.django_db
def test_readyz_wants_collected_static_files_when_their_names_are_hashed(client, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()  # as settings.py leaves it before collectstatic ran
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    status, body = readyz(client)
    assert status == 503
    assert body["checks"]["static_files"] == {"ok": False, "detail": "not collected: run 'manage.py collectstatic'"}


def redis_cache(settings, url: str) -> None:
    settings.CIVICPACT_REDIS_URL = url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}


@pytest.mark.django_db
def test_readyz_checks_redis_when_one_is_configured(client, settings):
    redis_cache(settings, "redis://127.0.0.1:6379/0")
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2):
            pass
    except OSError:
        service_required("Redis")
    status, body = readyz(client)
    assert status == 200
    assert body["checks"]["cache"] == {"ok": True, "detail": "redis"}


@pytest.mark.django_db
def test_readyz_is_not_ready_when_the_configured_redis_does_not_answer(client, settings):
    redis_cache(settings, f"redis://127.0.0.1:{free_port()}/0")
    status, body = readyz(client)
    assert status == 503
    assert body["checks"]["cache"] == {
        "ok": False,
        "detail": "Redis did not answer: check REDIS_URL (ConnectionError)",
    }


@pytest.mark.django_db
def test_readyz_leaves_the_worker_out_unless_asked(client, settings):
    settings.CIVICPACT_READYZ_WORKER_MINUTES = 0
    assert "worker" not in readyz(client)[1]["checks"]


@pytest.mark.django_db
def test_readyz_is_ready_when_no_task_has_waited_too_long(client, settings):
    settings.CIVICPACT_READYZ_WORKER_MINUTES = 10
    demo_seed_task.enqueue()  # just queued: a worker has time to take it
    status, body = readyz(client)
    assert status == 200
    assert body["checks"]["worker"] == {"ok": True, "detail": "no task waiting over 10 min"}


@pytest.mark.django_db
def test_readyz_is_not_ready_when_a_task_has_waited_longer_than_allowed(client, settings):
    settings.CIVICPACT_READYZ_WORKER_MINUTES = 10
    with time_machine.travel(timezone.now() - timedelta(minutes=11)):
        demo_seed_task.enqueue()
    status, body = readyz(client)
    assert status == 503
    assert body["checks"]["worker"] == {
        "ok": False,
        "detail": "1 task(s) waiting over 10 min: is 'civicpact worker' running?",
    }
