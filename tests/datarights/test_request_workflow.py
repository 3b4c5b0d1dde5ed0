"""A request's steps (GDPR Art. 12): identity, notes, extension, answer with a download, closing,
each through the admin with the Support group's rights and through the services, each in the
audit trail, which the database keeps as it was written."""

import datetime
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import timezone

from core import retention
from datarights import tokens
from datarights.models import DataRequest, DataRequestEvent, DataRequestNote, ExportLink, add_months
from datarights.selectors import personal_data_export
from datarights.services import erase_everything, request_register, workflow
from mail.models import OutboxMessage
from mail.services import outbox_deliver
from tests.newsletter.conftest import smtp_mail, smtp_server  # noqa: F401 - the real SMTP test server

from .conftest import delivered

pytestmark = pytest.mark.django_db

ADDRESS = "hanna.request-4410@example.org"
TODAY = datetime.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def support(group_member) -> Client:
    client = Client()
    client.force_login(group_member("Support"))
    return client


def _request(language: str = "en", received_on: datetime.date = TODAY, email: str = ADDRESS) -> DataRequest:
    return request_register(kind="access", email=email, received_on=received_on, language=language)


def _url(data_request: DataRequest, step: str) -> str:
    return f"/en/admin/datarights/datarequest/{data_request.pk}/{step}/"


def _page(client: Client, data_request: DataRequest) -> str:
    return client.get(_url(data_request, "change")).content.decode()


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def _body(message) -> str:
    return message.body + "".join(content for content, _type in message.alternatives)


# --- Every step through the admin, as Support ------------------------------------------------------


def test_support_takes_every_step_from_the_request_page_and_each_lands_in_the_trail(support):
    data_request = _request()
    page = _page(support, data_request)
    for button in ("Record how the identity was verified", "Add the note", "Extend and tell the person",
                   "Send the answer", "Close the request"):
        assert f'value="{button}"' in page
    assert 'type="file"' not in page  # never a copy of an ID document
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # five forms on one page: each label finds its own field

    response = support.post(_url(data_request, "identity"), {"method": "reply", "note": "Replied from the address"})
    assert response.status_code == 302 and _messages(response) == ["Identity recorded."]
    support.post(_url(data_request, "note"), {"text": "Asked on the phone about her 2024 orders."})
    support.post(_url(data_request, "extend"), {"months": "1", "reason": "Orders are in an old archive."})
    support.post(_url(data_request, "answer"), {"message": "Here is everything we hold.", "with_export": "on"})
    data_request.refresh_from_db()
    assert (data_request.identity_method, data_request.identity_note) == ("reply", "Replied from the address")
    assert (data_request.extended_months, data_request.due_on) == (1, datetime.date(2027, 2, 1))
    page = _page(support, data_request)
    assert "Asked on the phone about her 2024 orders." in page
    assert 'id="audit-trail"' in page and page.count("<td>support</td>") == 4

    response = support.post(_url(data_request, "close"), {"outcome": "done"})
    assert _messages(response) == ["Request closed; its address and notes are deleted."]
    data_request.refresh_from_db()
    assert (data_request.status, data_request.outcome, data_request.subject_email) == ("done", "done", "")
    assert not DataRequestNote.objects.exists() and data_request.identity_note == ""
    trail = list(data_request.events.values_list("action", "actor_label", "detail"))
    assert trail == [
        ("registered", "self-service", {"kind": "access", "channel": "email"}),
        ("identity", "support", {"method": "reply"}),
        ("note", "support", {}),
        ("extended", "support", {"months": 1, "due_on": "2027-02-01"}),
        ("answered", "support", {"export_link": True}),
        ("closed", "support", {"outcome": "done"}),
    ]
    assert "orders" not in json.dumps(trail).lower()  # the trail names the step, never the text
    page = _page(support, data_request)
    assert 'value="Close the request"' not in page and "Deadline extended" in page and "Answer sent" in page
    assert _messages(support.post(_url(data_request, "note"), {"text": "late"})) == ["This request is closed."]
    assert not DataRequestNote.objects.exists()


def test_the_steps_need_the_right_to_change_requests(client, group_member):
    data_request = _request()
    marketing = Client()
    marketing.force_login(group_member("Marketing"))
    viewer = User.objects.create_user("viewer", "viewer@ilumen.be", "a-long-test-password", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_datarequest"))
    readonly = Client()
    readonly.force_login(viewer)
    legal = Client()
    legal.force_login(group_member("Legal"))
    for step in workflow_steps():
        assert marketing.post(_url(data_request, step), {}).status_code == 403
        assert readonly.post(_url(data_request, step), {}).status_code == 403
        assert client.post(_url(data_request, step), {}).status_code == 302  # to the sign-in page
    assert 'value="Close the request"' not in _page(readonly, data_request)
    assert legal.post(_url(data_request, "note"), {"text": "Legal looked."}).status_code == 302
    assert DataRequestNote.objects.get().author_label == "legal"
    assert list(data_request.events.values_list("action", flat=True)) == ["registered", "note"]


def workflow_steps() -> list[str]:
    return ["identity", "note", "extend", "answer", "close"]


def test_bad_input_is_a_clear_message_not_a_500(support):
    data_request = _request()
    response = support.post(_url(data_request, "extend"), {"months": "3", "reason": ""})
    assert response.status_code == 302
    [problem] = _messages(response)
    assert "Extend by" in problem and "Reason for the delay" in problem
    response = support.post(_url(data_request, "close"), {"outcome": "refused", "reason": " "})
    assert _messages(response)[-1] == "Give the reason for the refusal: the person is told it."
    assert support.get(_url(data_request, "close")).status_code == 302  # a GET changes nothing
    data_request.refresh_from_db()
    assert data_request.is_open and data_request.extended_months == 0
    assert list(data_request.events.values_list("action", flat=True)) == ["registered"]


# --- The extension window (Art. 12(3)) ---------------------------------------------------------------


def test_an_extension_is_possible_until_the_first_month_runs_out_and_refused_after(support):
    data_request = _request(received_on=datetime.date(2026, 11, 1))  # the first month runs out today
    assert 'value="Extend and tell the person"' in _page(support, data_request)
    with pytest.raises(workflow.StepRefused, match="first month ran out"):
        workflow.request_extend(data_request=data_request, months=1, reason="Complex.", actor=None,
                                today=datetime.date(2026, 12, 2))
    late = _request(received_on=datetime.date(2026, 10, 31), email="late@example.org")
    page = _page(support, late)
    assert 'value="Extend and tell the person"' not in page and "can no longer be extended" in page
    response = support.post(_url(late, "extend"), {"months": "1", "reason": "Complex."})
    [problem] = _messages(response)
    assert "The first month ran out on" in problem and "Art. 12(3)" in problem
    late.refresh_from_db()
    assert (late.due_on, late.extended_months) == (datetime.date(2026, 11, 30), 0)
    assert not OutboxMessage.objects.filter(template=workflow.EXTENSION_TEMPLATE).exists()

    workflow.request_extend(data_request=data_request, months=2, reason="Complex.", actor=None)
    data_request.refresh_from_db()
    assert data_request.due_on == datetime.date(2027, 2, 1) == add_months(data_request.received_on, 3)

    # A first extension does not move the window: a second one must come within the first month too.
    early = _request(received_on=datetime.date(2026, 11, 15), email="early@example.org")
    workflow.request_extend(data_request=early, months=1, reason="Complex.", actor=None)
    with pytest.raises(workflow.StepRefused, match="first month ran out"):
        workflow.request_extend(data_request=early, months=1, reason="More.", actor=None,
                                today=datetime.date(2026, 12, 16))


def test_an_extension_goes_two_months_beyond_the_first_at_most(support):
    data_request = _request()
    workflow.request_extend(data_request=data_request, months=1, reason="Many requests.", actor=None)
    with pytest.raises(workflow.StepRefused, match=r"two months at most.*1 month is left"):
        workflow.request_extend(data_request=data_request, months=2, reason="More.", actor=None)
    response = support.post(_url(data_request, "extend"), {"months": "1", "reason": "Still many."})
    assert _messages(response) == ["Deadline extended; the person is told, with the reason."]
    data_request.refresh_from_db()
    assert (data_request.extended_months, data_request.due_on) == (2, datetime.date(2027, 3, 1))
    assert data_request.extension_reason == "Many requests.\n\nStill many."
    assert "can no longer be extended" in _page(support, data_request)
    response = support.post(_url(data_request, "extend"), {"months": "1", "reason": "Again."})
    assert "two months at most" in _messages(response)[0]
    with pytest.raises(workflow.StepRefused, match="two months at most"):
        workflow.request_extend(data_request=data_request, months=1, reason="Again.", actor=None)
    # The database holds the limit too.
    with pytest.raises(DatabaseError), transaction.atomic():
        DataRequest.objects.filter(pk=data_request.pk).update(extended_months=3)
    assert OutboxMessage.objects.filter(template=workflow.EXTENSION_TEMPLATE).count() == 2


@pytest.mark.parametrize("language, expected", [
    ("en", ["Your request #{n}: we need more time", "we will answer by Feb. 1, 2027 at the latest",
            "Art. 12(3)"]),
    ("nl", ["Uw verzoek #{n}: we hebben meer tijd nodig", "uiterlijk op 1 februari 2027", "art. 12, lid 3"]),
])
def test_the_extension_notice_reaches_the_person_in_their_language(smtp_mail, language, expected):  # noqa: F811
    data_request = _request(language=language)
    workflow.request_extend(data_request=data_request, months=1, reason="Een oud archief / an old archive.",
                            actor=None)
    assert outbox_deliver(limit=10) == 1
    [received] = smtp_mail.to(ADDRESS)
    message = received.message
    text = message.get_body(("plain",)).get_content()
    assert expected[0].format(n=data_request.pk) == message["Subject"]
    for phrase in expected[1:]:
        assert phrase in text, text
    assert "Een oud archief / an old archive." in text


# --- The answer and its download ----------------------------------------------------------------


def _download_path(message) -> str:
    found = re.search(r"https?://[^/\s]+(/\S*/my-data/answer/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def _files_under(*roots: Path) -> set[Path]:
    return {path for root in roots if root.exists() for path in root.rglob("*") if path.is_file()}


def test_the_download_link_builds_the_export_when_used_and_stores_no_file(client, tmp_path):
    data_request = _request(language="nl")
    roots = (Path(settings.MEDIA_ROOT), Path(settings.BASE_DIR) / "var", tmp_path)
    files_before = _files_under(*roots)
    workflow.request_answer(data_request=data_request, message="Hierbij uw gegevens.", with_export=True, actor=None)
    [message] = delivered()
    assert "Hierbij uw gegevens." in message.body and "Download uw gegevens" in _body(message)
    path = _download_path(message)
    assert path.startswith("/nl/")

    page = client.get(path)  # a mail scanner following the link builds nothing
    assert page.status_code == 200 and "Mijn gegevens downloaden" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    link = ExportLink.objects.get()
    assert link.downloaded_at is None and "downloaded" not in data_request.events.values_list("action", flat=True)

    workflow.request_close(data_request=data_request, outcome="done", actor=None)  # the link outlives the address
    download = client.post(path)
    assert download.status_code == 200 and download["Content-Type"].startswith("application/json")
    assert "attachment" in download["Content-Disposition"] and "no-store" in download["Cache-Control"]
    export = json.loads(download.content)
    assert export["email"] == ADDRESS and export["language"] == "nl"
    link.refresh_from_db()
    assert link.downloaded_at is not None
    assert list(data_request.events.values_list("action", flat=True))[-1] == "downloaded"
    assert not [f for f in ExportLink._meta.get_fields() if f.get_internal_type() in ("FileField", "ImageField")]
    assert _files_under(*roots) == files_before


def test_the_download_link_expires(client):
    data_request = _request()
    workflow.request_answer(data_request=data_request, message="Your data.", with_export=True, actor=None)
    path = _download_path(delivered()[0])
    late = timezone.now() + datetime.timedelta(days=settings.DATARIGHTS_EXPORT_LINK_DAYS, minutes=1)
    with time_machine.travel(late, tick=False):
        for response in (client.get(path), client.post(path)):
            assert response.status_code == 410
            assert "This download link has expired" in response.content.decode()
        assert client.get(path.replace("/en/", "/nl/")).content.decode().count("Deze downloadlink is verlopen") >= 1
    assert ExportLink.objects.get().downloaded_at is None


def test_a_forged_or_other_purpose_token_is_refused(client):
    data_request = _request()
    link = workflow.request_answer(data_request=data_request, message="Your data.", with_export=True, actor=None)
    good = tokens.export_token(link.pk)
    value, signature = good.rsplit(":", 1)
    others = {
        "forged": f"{value}:{signature[:-2]}xx",
        "my-data link": tokens.link_token(link.pk),  # same id, signed for another purpose
        "stay": tokens.stay_token(link.pk.hex),
    }
    for what, token in others.items():
        for response in (client.get(f"/en/privacy/my-data/answer/{token}/"),
                         client.post(f"/en/privacy/my-data/answer/{token}/")):
            assert response.status_code == 400, what
            assert "This download link does not work" in response.content.decode()
    assert ExportLink.objects.get().downloaded_at is None
    assert client.post(f"/en/privacy/my-data/answer/{good}/").status_code == 200


def test_an_answer_without_export_sends_no_link():
    data_request = _request()
    assert workflow.request_answer(data_request=data_request, message="No data.", with_export=False,
                                   actor=None) is None
    [message] = delivered()
    assert "No data." in message.body and "/my-data/answer/" not in _body(message)
    assert not ExportLink.objects.exists()


def test_an_erasure_and_retention_remove_the_download_links():
    data_request = _request()
    workflow.request_answer(data_request=data_request, message="Your data.", with_export=True, actor=None)
    erase_everything(ADDRESS)
    assert not ExportLink.objects.exists()
    other = _request(email="other@example.org")
    workflow.request_answer(data_request=other, message="Your data.", with_export=True, actor=None)
    later = timezone.now() + datetime.timedelta(days=settings.DATARIGHTS_EXPORT_LINK_DAYS
                                                + settings.DATARIGHTS_LINK_KEEP_DAYS + 1)
    [rule] = [r for r in retention.rules() if r.key == "export_links"]
    assert retention.rule_run(rule, now=later) == {"export links": 1}
    assert not ExportLink.objects.exists()


# --- Notes: personal data, gone on close ------------------------------------------------------------


def test_notes_are_in_the_export_erased_with_the_address_and_cleared_on_close():
    data_request = _request()
    workflow.request_note_add(data_request=data_request, text="Prefers answers by post.", actor=None)
    workflow.identity_record(data_request=data_request, method="known_details", note="Knew her order number",
                             actor=None)
    part = next(p for p in personal_data_export(ADDRESS)["parts"] if p["key"] == "data_rights")
    kinds = {kind["key"]: kind["records"] for kind in part["kinds"]}
    assert [note["note"] for note in kinds["staff_notes"]] == ["Prefers answers by post."]
    assert kinds["data_requests"][0]["identity_note"] == "Knew her order number"

    erase_everything(ADDRESS)
    assert not DataRequestNote.objects.exists()
    second = _request(email="second@example.org")
    workflow.request_note_add(data_request=second, text="Called twice.", actor=None)
    workflow.request_close(data_request=second, outcome="no_data", actor=None)
    second.refresh_from_db()
    assert not DataRequestNote.objects.exists() and second.status == "done" and second.outcome == "no_data"
    with pytest.raises(workflow.StepRefused, match="closed"):
        workflow.request_note_add(data_request=second, text="Too late.", actor=None)


# --- A refusal names the supervisory authority (Art. 12(4)) ----------------------------------------------


@pytest.mark.parametrize("language, authority", [
    ("en", ["Belgian Data Protection Authority", "www.dataprotectionauthority.be", "Art. 12(4)"]),
    ("nl", ["Gegevensbeschermingsautoriteit", "www.gegevensbeschermingsautoriteit.be", "art. 12, lid 4"]),
])
def test_a_refusal_tells_the_person_why_and_where_to_complain(support, language, authority):
    data_request = _request(language=language)
    response = support.post(_url(data_request, "close"), {"outcome": "refused", "reason": "Manifestly excessive."})
    assert response.status_code == 302
    data_request.refresh_from_db()
    assert (data_request.status, data_request.outcome, data_request.subject_email) == ("refused", "refused", "")
    [message] = delivered()
    assert message.to == [ADDRESS] and "Manifestly excessive." in message.body
    [(html, _type)] = message.alternatives
    for text in authority:
        assert text in message.body and text in html
    assert data_request.events.last().detail == {"outcome": "refused"}


def test_other_outcomes_send_nothing():
    for outcome in ("done", "no_data", "withdrawn"):
        workflow.request_close(data_request=_request(email=f"{outcome}@example.org"), outcome=outcome, actor=None)
    assert not OutboxMessage.objects.exists()


# --- The audit trail is evidence ---------------------------------------------------------------------


def test_the_database_refuses_to_change_or_delete_the_trail_but_lets_it_go_with_its_request(group_member):
    clerk = group_member("Support")
    data_request = _request()
    workflow.request_note_add(data_request=data_request, text="A note.", actor=clerk)
    event = data_request.events.get(action="note")
    for change in ({"action": "closed"}, {"actor_label": "someone"}, {"detail": {"x": 1}},
                   {"at": timezone.now() - datetime.timedelta(days=1)}):
        with pytest.raises(DatabaseError, match="audit events cannot be changed"), transaction.atomic():
            DataRequestEvent.objects.filter(pk=event.pk).update(**change)
    with pytest.raises(DatabaseError, match="audit events cannot be changed"), transaction.atomic():
        DataRequestEvent.objects.filter(pk=event.pk).delete()
    other = User.objects.create_user("other", "o@ilumen.be", "a-long-test-password")
    with pytest.raises(DatabaseError, match="audit events cannot be changed"), transaction.atomic():
        DataRequestEvent.objects.filter(pk=event.pk).update(actor=other)

    clerk.delete()  # a staff account may be forgotten: the trail keeps who it was
    event.refresh_from_db()
    assert (event.actor, event.actor_label, event.action) == (None, "support", "note")

    workflow.request_close(data_request=data_request, outcome="done", actor=None)
    DataRequest.objects.filter(pk=data_request.pk).delete()  # retention, years later
    assert not DataRequestEvent.objects.exists()


def test_the_trail_triggers_work_in_sqlite_too(tmp_path):
    """SQLite (development) runs the same migrations: the triggers must exist and hold there as well."""
    database = tmp_path / "migrated.sqlite3"
    env = {**os.environ, "DEBUG": "True", "DATABASE_URL": f"sqlite:///{database}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0", "datarights"],
        cwd=settings.BASE_DIR, env=env, check=True, capture_output=True, timeout=300,
    )
    db = sqlite3.connect(database)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(
        "INSERT INTO datarights_datarequest (id, kind, channel, status, subject_email, subject_hash, language, "
        "received_on, due_on, extended_months, extension_reason, identity_method, identity_note, outcome, created_at) "
        "VALUES (1, 'access', 'email', 'open', '', 'h', 'nl', '2026-12-01', '2027-01-01', 0, '', '', '', '', "
        "'2026-12-01 10:00:00')"
    )
    db.execute("INSERT INTO datarights_datarequestevent (request_id, at, action, actor_label, detail) "
               "VALUES (1, '2026-12-01 10:00:00', 'registered', 'clerk', '{}')")
    for statement in ("UPDATE datarights_datarequestevent SET action = 'closed'",
                      "DELETE FROM datarights_datarequestevent"):
        with pytest.raises(sqlite3.DatabaseError, match="audit events cannot be changed"):
            db.execute(statement)
    db.execute("DELETE FROM datarights_datarequest")
    assert db.execute("SELECT count(*) FROM datarights_datarequestevent").fetchone() == (0,)
