"""The subscriber import page: an upload runs through a real Celery worker, the page shows the
report in the staff member's language, and the uploaded file is gone afterwards, whatever the outcome."""

import datetime
import os
import threading
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from newsletter.models import Subscriber, SubscriberImport
from newsletter.services.import_runs import subscriber_import_run, subscriber_import_submit, subscriber_imports_reap
from tests.polling import wait_until

from .test_import import csv_file, row


@pytest.fixture
def import_dir(settings, tmp_path) -> Path:
    settings.NEWSLETTER_IMPORT_DIR = tmp_path / "imports"
    return settings.NEWSLETTER_IMPORT_DIR


@pytest.fixture
def marketer(db) -> User:
    user = User.objects.create_user("marketer", "marketer@ilumen.be", "a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Marketing"))
    return user


def _url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(f"admin:newsletter_subscriberimport_{name}", args=args)


def _upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_imported_by_a_worker_and_its_report_shown(client, marketer, topic, import_dir, tmp_path,
                                                                start_worker):
    start_worker(beat=False, NEWSLETTER_IMPORT_DIR=str(import_dir))
    client.force_login(marketer)
    assert client.get(_url("add")).status_code == 200
    path = csv_file(tmp_path / "beurs.csv", [row("ann@example.com"), row("bob@example.com", consent_controller="X")],
                    delimiter=";", bom=True)
    response = client.post(_url("add"), {"upload": _upload(path)})
    record = SubscriberImport.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("change", record.pk)
    assert (record.file_name, record.created_by, record.dry_run) == ("beurs.csv", marketer, False)
    wait_until(lambda: SubscriberImport.objects.get().status == "done", timeout=60, what="the import to run")
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["ann@example.com"]
    assert list(import_dir.iterdir()) == []
    page = client.get(_url("change", record.pk, language="nl")).content.decode()
    assert "Geïmporteerd." in page
    assert "de toestemming werd aan een ander bedrijf gegeven, niet aan iLumen: rij 3" in page


@pytest.mark.django_db
def test_a_file_without_the_evidence_columns_is_refused_in_dutch(client, marketer, tmp_path, import_dir):
    client.force_login(marketer)
    path = tmp_path / "list.csv"
    path.write_text("email;name;topics\r\nann@example.com;Ann;newsletter\r\n")
    response = client.post(_url("add", language="nl"), {"upload": _upload(path)})
    assert response.status_code == 200
    assert "De kopregel mist deze kolommen: consent_controller" in response.content.decode()
    assert not SubscriberImport.objects.exists() and not import_dir.exists()


@pytest.mark.django_db
def test_marketing_may_upload_but_not_change_a_record(client, marketer, topic, tmp_path, import_dir):
    client.force_login(marketer)
    record = subscriber_import_submit(record=SubscriberImport(file_name="a.csv", dry_run=True), chunks=[
        csv_file(tmp_path / "a.csv", [row("ann@example.com")]).read_bytes()
    ])
    subscriber_import_run(import_id=record.pk)
    listed = client.get(_url("changelist"))
    assert listed.status_code == 200 and "a.csv" in listed.content.decode()
    page = client.get(_url("change", record.pk))
    assert page.status_code == 200 and "Dry run: nothing was written" in page.content.decode()
    assert client.post(_url("change", record.pk), {"dry_run": ""}).status_code == 403
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize(("rows", "status"), [
    ([row("ann@example.com")], "done"),
    ([row("ann@example.com"), row("not-an-address")], "refused"),
])
@pytest.mark.django_db
def test_the_uploaded_file_is_deleted_after_the_run(topic, tmp_path, import_dir, rows, status):
    record = subscriber_import_submit(record=SubscriberImport(file_name="a.csv"), chunks=[
        csv_file(tmp_path / "a.csv", rows).read_bytes()
    ])
    stored = import_dir / record.stored_as
    assert stored.is_file() and stored.stat().st_mode & 0o077 == 0
    subscriber_import_run(import_id=record.pk)
    subscriber_import_run(import_id=record.pk)  # a task delivered twice runs once
    record.refresh_from_db()
    assert (record.status, record.stored_as, list(import_dir.iterdir())) == (status, "", [])
    assert Subscriber.objects.count() == (status == "done")


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused_and_deleted(topic, import_dir):
    record = subscriber_import_submit(record=SubscriberImport(file_name="a.csv"), chunks=[
        ",".join(row("ann@example.com")).encode() + b"\r\nann@example.com,Ren\xe9\r\n"
    ])
    subscriber_import_run(import_id=record.pk)
    record.refresh_from_db()
    assert (record.status, list(import_dir.iterdir())) == ("refused", [])
    assert record.report == {"error": "encoding", "detail": ""}


@pytest.mark.django_db
def test_an_error_inside_the_run_is_recorded_and_the_file_deleted(topic, import_dir, tmp_path, settings):
    settings.NEWSLETTER_IMPORT_CONTROLLER_NAMES = None  # a broken setting: the run fails, not the worker
    record = subscriber_import_submit(record=SubscriberImport(file_name="a.csv"), chunks=[
        csv_file(tmp_path / "a.csv", [row("ann@example.com")]).read_bytes()
    ])
    subscriber_import_run(import_id=record.pk)
    record.refresh_from_db()
    assert (record.status, record.report, list(import_dir.iterdir())) == ("failed", {"error": "internal"}, [])


def _writer(fifo: Path) -> int | None:
    """The pipe's write end once the import opened it to read (without a reader, opening fails)."""
    try:
        return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return None


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_worker_died_is_closed_and_its_file_deleted_but_a_live_one_is_not(topic, import_dir, tmp_path):
    def recorded(name: str, status: str, minutes_ago: int) -> SubscriberImport:
        """As a lost task or a dead worker leaves it (submitting would run it here: tasks are eager)."""
        import_dir.mkdir(exist_ok=True)
        record = SubscriberImport.objects.create(file_name=name, stored_as=f"{uuid.uuid4().hex}.csv", status=status)
        (import_dir / record.stored_as).write_bytes(b"email\r\n")
        moment = timezone.now() - datetime.timedelta(minutes=minutes_ago)
        SubscriberImport.objects.filter(pk=record.pk).update(
            created_at=moment, started_at=moment if status == "running" else None,
        )
        return record

    dead = recorded("dead.csv", "running", 2)
    later = timezone.now() + datetime.timedelta(minutes=2)  # the reaper looks two minutes from now
    lost, _new = recorded("lost.csv", "pending", 0), recorded("new.csv", "pending", -2)
    # A live run, reading its upload from a pipe until the test writes it.
    live = SubscriberImport.objects.create(file_name="live.csv", stored_as=f"{uuid.uuid4().hex}.csv")
    fifo = import_dir / live.stored_as
    os.mkfifo(fifo)

    def live_run() -> None:
        subscriber_import_run(import_id=live.pk)
        connection.close()

    thread = threading.Thread(target=live_run)
    thread.start()
    writer: list[int] = []
    try:
        wait_until(lambda: writer.append(_writer(fifo)) or writer[-1] is not None, timeout=20,
                   what="the run to open its file")
        with connection.cursor() as cursor:  # a reaper waiting for the live run's lock fails, not hangs
            cursor.execute("SET lock_timeout = '5s'")
        assert subscriber_imports_reap(now=later) == [lost.pk]
        assert SubscriberImport.objects.get(pk=live.pk).status == "running" and fifo.exists()
    finally:
        if writer and writer[-1] is not None:  # the run reads its file and finishes
            with os.fdopen(writer[-1], "wb") as pipe:
                pipe.write(csv_file(tmp_path / "live.csv", [row("ann@example.com")]).read_bytes())
        thread.join(30)
    statuses = dict(SubscriberImport.objects.values_list("file_name", "status"))
    assert statuses == {"dead.csv": "failed", "live.csv": "done", "lost.csv": "pending", "new.csv": "pending"}
    assert sorted(p.name for p in import_dir.iterdir()) == sorted([lost.stored_as, _new.stored_as])
    assert SubscriberImport.objects.get(pk=dead.pk).report == {"error": "interrupted"}
    assert Subscriber.objects.get().email == "ann@example.com"
