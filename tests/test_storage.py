"""Uploaded documents on the filesystem or in an S3-compatible bucket, configured by environment variables.

The S3 tests talk HTTP to moto's S3 server running on loopback (a real server, in this process's thread), through
django-storages and boto3 exactly as production talks to its object store.
"""

from collections.abc import Iterator

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from civicpact import settings as civicpact_settings
from civicpact.pipeline.models import Document, Need
from tests.production import free_port

BUCKET = "civicpact-documents"


@pytest.fixture
def s3_server() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_env(monkeypatch, s3_server) -> str:
    """The variables of docs/deployment.md's S3 set-up, pointing at the local server (bucket created)."""
    for name, value in {
        "CIVICPACT_DOCUMENT_STORAGE": "s3",
        "CIVICPACT_S3_BUCKET": BUCKET,
        "CIVICPACT_S3_ENDPOINT_URL": s3_server,
        "CIVICPACT_S3_REGION": "us-east-1",
        "CIVICPACT_S3_ADDRESSING_STYLE": "path",
        "CIVICPACT_S3_ACCESS_KEY_ID": "test-access-key",
        "CIVICPACT_S3_SECRET_ACCESS_KEY": "test-secret-key",
    }.items():
        monkeypatch.setenv(name, value)
    boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="test-access-key",
        aws_secret_access_key="test-secret-key",
    ).create_bucket(Bucket=BUCKET)
    return str(s3_server)


def use_storage_from_env(settings) -> None:
    """STORAGES["default"] as settings.py builds it from the environment now."""
    settings.STORAGES = {**settings.STORAGES, "default": civicpact_settings._document_storage()}


def attach_and_download(client) -> tuple[Document, bytes]:
    need = Need.objects.get(title="Cut street-lighting energy by 40%")
    response = client.post(
        f"/api/v1/pipeline/needs/{need.pk}/documents",
        {
            "title": "Energy audit",
            "document_type": "feasibilityStudy",
            "file": SimpleUploadedFile("audit.pdf", b"%PDF-1.4 energy audit", content_type="application/pdf"),
        },
    )
    assert response.status_code == 201
    document = Document.objects.get(title="Energy audit")
    download = client.get(f"/pipeline/documents/{document.pk}/")
    assert download.status_code == 200
    return document, b"".join(download.streaming_content)


def test_documents_are_kept_in_the_media_root_folder(client_for, lead, settings, monkeypatch, tmp_path):
    monkeypatch.delenv("CIVICPACT_DOCUMENT_STORAGE", raising=False)
    monkeypatch.setenv("CIVICPACT_MEDIA_ROOT", str(tmp_path / "media"))
    use_storage_from_env(settings)
    document, content = attach_and_download(client_for(lead))
    assert content == b"%PDF-1.4 energy audit"
    assert (tmp_path / "media" / document.file.name).read_bytes() == content


def test_documents_are_kept_in_the_s3_bucket(client_for, lead, settings, s3_env):
    use_storage_from_env(settings)
    document, content = attach_and_download(client_for(lead))
    assert content == b"%PDF-1.4 energy audit"
    stored = boto3.client(
        "s3",
        endpoint_url=s3_env,
        region_name="us-east-1",
        aws_access_key_id="test-access-key",
        aws_secret_access_key="test-secret-key",
    ).get_object(Bucket=BUCKET, Key=f"documents/{document.file.name}")
    assert stored["Body"].read() == content


def test_readyz_sees_the_bucket(client, settings, s3_env, db):
    use_storage_from_env(settings)
    body = client.get("/readyz").json()
    assert body["checks"]["documents"] == {"ok": True, "detail": "object store reachable"}


def test_readyz_is_not_ready_when_the_bucket_is_missing(client, settings, s3_env, monkeypatch, db):
    monkeypatch.setenv("CIVICPACT_S3_BUCKET", "no-such-bucket")
    use_storage_from_env(settings)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["documents"] == {
        "ok": False,
        "detail": "the object store did not answer: check CIVICPACT_S3_* (ClientError)",
    }


def test_s3_storage_without_a_bucket_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("CIVICPACT_DOCUMENT_STORAGE", "s3")
    monkeypatch.delenv("CIVICPACT_S3_BUCKET", raising=False)
    with pytest.raises(ValueError, match="CIVICPACT_S3_BUCKET must be set when CIVICPACT_DOCUMENT_STORAGE=s3"):
        civicpact_settings._document_storage()


def test_an_unknown_document_storage_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("CIVICPACT_DOCUMENT_STORAGE", "ftp")
    with pytest.raises(ValueError, match="CIVICPACT_DOCUMENT_STORAGE must be one of filesystem, s3, not 'ftp'"):
        civicpact_settings._document_storage()
