"""Background ingest of an uploaded telemetry file, with progress on its batch record."""

from __future__ import annotations

from pathlib import Path

from django_tasks import task

from civicpact.performance import ingest
from civicpact.performance.models import IngestBatch
from civicpact.performance.services import batch_run


@task()
def ingest_task(batch_id: int, path: str, feed: str = "samples") -> str:
    def progress(done: int, total: int, message: str) -> None:
        IngestBatch.objects.filter(pk=batch_id).update(
            progress_done=done, progress_total=max(total, done), progress_message=message[:300]
        )

    try:
        batch = batch_run(batch_id, ingest.open_source(Path(path)), feed=feed, progress=progress)
    finally:
        Path(path).unlink(missing_ok=True)
    return batch.status
