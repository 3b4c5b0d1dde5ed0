"""Subscriber imports as records: an upload waits in NEWSLETTER_IMPORT_DIR (outside MEDIA_ROOT,
so never served) until a worker runs it, and is deleted after the run whatever its outcome.
The database holds the truth: a run claims its record with one conditional UPDATE, so a task
delivered twice imports once."""

import datetime
import logging
import uuid
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from newsletter.models import SubscriberImport
from newsletter.services.import_report import ImportFileError
from newsletter.services.imports import subscribers_import
from newsletter.signals import subscriber_import_due

logger = logging.getLogger(__name__)


def _stored_path(stored_as: str) -> Path:
    return Path(settings.NEWSLETTER_IMPORT_DIR) / stored_as


def subscriber_import_submit(*, record: SubscriberImport, chunks: Iterable[bytes]) -> SubscriberImport:
    """Keep the uploaded file and queue its import (`record` carries the file name, dry-run flag and uploader)."""
    directory = Path(settings.NEWSLETTER_IMPORT_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    record.stored_as = f"{uuid.uuid4().hex}.csv"
    path = _stored_path(record.stored_as)
    try:
        with open(path, "xb") as out:
            path.chmod(0o600)
            for chunk in chunks:
                out.write(chunk)
        with transaction.atomic():
            record.status = SubscriberImport.Status.PENDING
            record.save()
            subscriber_import_due.send(sender=SubscriberImport, import_id=record.pk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return record


def _run(record: SubscriberImport, path: Path) -> None:
    """Import and record the outcome. The record stays locked meanwhile: subscriber_imports_reap
    tells a run whose worker died (its lock went with its connection) from a live one."""
    with transaction.atomic():
        SubscriberImport.objects.select_for_update().filter(pk=record.pk).get()
        try:
            report = subscribers_import(path=path, dry_run=record.dry_run)
        except ImportFileError as error:
            record.status = SubscriberImport.Status.REFUSED
            record.report = {"error": error.code, "detail": error.detail}
        except Exception:
            logger.exception("subscriber import %s failed", record.pk)
            record.status, record.report = SubscriberImport.Status.FAILED, {"error": "internal"}
        else:
            refused = report.failed_count and not record.dry_run
            record.status = SubscriberImport.Status.REFUSED if refused else SubscriberImport.Status.DONE
            record.report = report.as_dict()
        record.finished_at = timezone.now()
        record.save(update_fields=["status", "report", "finished_at", "stored_as"])


def subscriber_import_run(*, import_id: int) -> None:
    """Run a queued upload once; the file is deleted afterwards, also when the import failed."""
    claimed = SubscriberImport.objects.filter(pk=import_id, status=SubscriberImport.Status.PENDING).update(
        status=SubscriberImport.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    record = SubscriberImport.objects.get(pk=import_id)
    path = _stored_path(record.stored_as)
    record.stored_as = ""
    try:
        _run(record, path)
    finally:
        path.unlink(missing_ok=True)


def subscriber_import_file(*, path: Path, dry_run: bool) -> SubscriberImport:
    """Import a file given on the command line (the operator's own file, left where it is)."""
    record = SubscriberImport.objects.create(
        file_name=path.name[:200], dry_run=dry_run, status=SubscriberImport.Status.RUNNING, started_at=timezone.now(),
    )
    _run(record, path)
    return record


def subscriber_imports_reap(*, now: datetime.datetime) -> list[int]:
    """Close runs whose worker died (nothing of them was committed) and delete their files; return
    the uploads still waiting after a minute (their task was lost), for the sweep to run."""
    settled = now - datetime.timedelta(minutes=1)
    with transaction.atomic():
        for record in SubscriberImport.objects.select_for_update(skip_locked=True).filter(
            status=SubscriberImport.Status.RUNNING, started_at__lt=settled,
        ):
            if record.stored_as:
                _stored_path(record.stored_as).unlink(missing_ok=True)
            record.status, record.report = SubscriberImport.Status.FAILED, {"error": "interrupted"}
            record.stored_as, record.finished_at = "", now
            record.save(update_fields=["status", "report", "finished_at", "stored_as"])
    return list(SubscriberImport.objects.filter(
        status=SubscriberImport.Status.PENDING, created_at__lt=settled,
    ).values_list("pk", flat=True))
