"""Subscriber imports with proof of consent (issue 14, point 1): the CSV as Belgian spreadsheets
write it, the evidence rules, suppressed and erased addresses, all-or-nothing, dry runs, and the
command. The admin upload through a real worker is in test_import_admin.py."""

import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from mail.selectors import outbox_messages_of
from mail.services import suppression_add
from newsletter import personal_data
from newsletter.models import ConsentProof, Subscriber, SubscriberImport, Subscription, Topic, TopicWelcome, Welcome
from newsletter.services.import_report import ImportFileError, import_report_lines
from newsletter.services.imports import import_header_check, subscribers_import

from .factories import confirmed_subscriber

pytestmark = pytest.mark.django_db

HEADER = ["email", "name", "language", "topics", "consent_controller", "consent_topics", "consent_source",
          "consent_date", "consent_text", "consent_original"]
RECENT = (timezone.localdate() - datetime.timedelta(days=30)).strftime("%d/%m/%Y")


def row(email: str, **values: str) -> dict[str, str]:
    return {
        "email": email, "name": "Ann Peeters", "language": "nl", "topics": "newsletter",
        "consent_controller": "iLumen NV", "consent_topics": "newsletter events", "consent_source": "Intersolar 2025",
        "consent_date": RECENT, "consent_text": "Ja, ik wil de nieuwsbrief van iLumen ontvangen.",
        "consent_original": "Paper forms, binder 3, Tessenderlo office", **values,
    }


def csv_file(path: Path, rows: list[dict[str, str]], *, delimiter: str = ",", bom: bool = False,
             header: list[str] = HEADER) -> Path:
    def line(cells: list[str]) -> str:
        return delimiter.join('"' + cell.replace('"', '""') + '"' if delimiter in cell or '"' in cell else cell
                              for cell in cells)

    text = "\r\n".join([line(header), *(line([r.get(name, "") for name in header]) for r in rows)]) + "\r\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


@pytest.fixture
def events(db) -> Topic:
    return Topic.objects.create(slug="events", name_nl="Evenementen", name_en="Events")


def _skipped_rows(report, code: str) -> list[int]:
    return [number for number, _detail in report.skipped[code]["rows"]]


@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (";", True), (";", False), (",", True)])
def test_spreadsheet_csv_becomes_confirmed_subscriptions_with_imported_proof(
    tmp_path, topic, events, delimiter, bom
):
    path = csv_file(tmp_path / "list.csv", [
        row("Ann@Example.com", topics="newsletter, events"),
        row("bob@example.com", name="Bob Janssens", language="en", topics="events", consent_date="2025-11-01"),
    ], delimiter=delimiter, bom=bom)
    report = subscribers_import(path=path, dry_run=False)
    assert (report.applied, report.rows, report.created, report.failed, report.skipped) == (True, 2, 2, {}, {})
    ann = Subscriber.objects.get(email="ann@example.com")
    assert (ann.name, ann.language) == ("Ann Peeters", "nl")
    subscriptions = Subscription.objects.filter(subscriber=ann).order_by("topic__slug")
    assert [(s.topic.slug, s.status) for s in subscriptions] == [("events", "confirmed"), ("newsletter", "confirmed")]
    proof = subscriptions[0].proof
    assert proof.origin == ConsentProof.Origin.IMPORT
    assert (proof.controller, proof.source) == ("iLumen NV", "Intersolar 2025")
    assert proof.original_location == "Paper forms, binder 3, Tessenderlo office"
    assert proof.consent_text == "Ja, ik wil de nieuwsbrief van iLumen ontvangen."
    assert timezone.localdate(proof.given_at) == timezone.localdate() - datetime.timedelta(days=30)
    assert sorted(proof.topics.values_list("slug", flat=True)) == ["events", "newsletter"]
    exported = personal_data.export("ann@example.com")["consent_proofs"][0]
    assert (exported["origin"], exported["consent_given_to"]) == ("import", "iLumen NV")
    assert exported["original_kept_at"] == "Paper forms, binder 3, Tessenderlo office"
    bob = Subscriber.objects.get(email="bob@example.com")
    assert (bob.name, bob.language) == ("Bob Janssens", "en")
    assert bob.proofs.get().given_at == timezone.make_aware(datetime.datetime(2025, 11, 1))


def test_nobody_is_mailed_no_welcome_no_re_permission(tmp_path, topic):
    TopicWelcome.objects.create(topic=topic, language="nl", subject="Welkom", body="Fijn dat je er bent.")
    path = csv_file(tmp_path / "list.csv", [row("ann@example.com"), row("bob@example.com", consent_original="")])
    report = subscribers_import(path=path, dry_run=False)
    assert (report.created, _skipped_rows(report, "evidence_incomplete")) == (1, [3])
    assert not Welcome.objects.exists()
    assert not outbox_messages_of(address="ann@example.com").exists()
    assert not outbox_messages_of(address="bob@example.com").exists()


@pytest.mark.parametrize("missing", ["consent_controller", "consent_topics", "consent_source", "consent_date",
                                     "consent_text", "consent_original"])
def test_a_row_without_complete_evidence_is_not_imported_and_reported(tmp_path, topic, missing):
    path = csv_file(tmp_path / "list.csv", [row("ann@example.com"), row("bob@example.com", **{missing: " "})])
    report = subscribers_import(path=path, dry_run=False)
    assert report.applied and report.created == 1
    assert report.skipped["evidence_incomplete"] == {"count": 1, "rows": [[3, missing]]}
    assert not Subscriber.objects.filter(email="bob@example.com").exists()


def test_consent_to_another_company_is_not_consent_to_ilumen(tmp_path, topic, settings):
    settings.NEWSLETTER_IMPORT_CONTROLLER_NAMES = ["iLumen", "iLumen NV"]
    path = csv_file(tmp_path / "list.csv", [
        row("ann@example.com", consent_controller="  ilumen   nv "),
        row("bob@example.com", consent_controller="SolarPartner BV"),
        row("cas@example.com", consent_controller="iLumen NV and partners"),
    ])
    report = subscribers_import(path=path, dry_run=False)
    assert report.created == 1 and _skipped_rows(report, "other_controller") == [3, 4]
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["ann@example.com"]


def test_evidence_older_than_the_inactive_profile_period_is_refused(tmp_path, topic, settings):
    settings.INACTIVE_PROFILE_DAYS = 365
    today = timezone.localdate()
    path = csv_file(tmp_path / "list.csv", [
        row("ann@example.com", consent_date=(today - datetime.timedelta(days=364)).isoformat()),
        row("bob@example.com", consent_date=(today - datetime.timedelta(days=367)).strftime("%d/%m/%Y")),
    ])
    report = subscribers_import(path=path, dry_run=False)
    assert report.created == 1 and _skipped_rows(report, "evidence_too_old") == [3]
    assert not Subscriber.objects.filter(email="bob@example.com").exists()


def test_consent_must_cover_every_topic_of_the_row(tmp_path, topic, events):
    path = csv_file(tmp_path / "list.csv", [row("ann@example.com", topics="newsletter events",
                                                consent_topics="newsletter")])
    report = subscribers_import(path=path, dry_run=False)
    assert report.skipped["topics_not_covered"] == {"count": 1, "rows": [[2, "events"]]}
    assert not Subscriber.objects.exists()


def test_an_existing_subscribers_name_and_language_are_never_overwritten(tmp_path, topic, events):
    ann = confirmed_subscriber("ann@example.com", topic, language="en", name="Ann")
    old_proof = ann.proofs.get()
    path = csv_file(tmp_path / "list.csv", [
        row("ann@example.com", name="Someone Else", language="nl", topics="newsletter events"),
        row("ann@example.com", name="Third Name", language="en", topics="newsletter"),
    ])
    report = subscribers_import(path=path, dry_run=False)
    assert (report.created, report.updated, _skipped_rows(report, "already_subscribed")) == (0, 1, [3])
    ann.refresh_from_db()
    assert (ann.name, ann.language) == ("Ann", "en")
    newsletter = Subscription.objects.get(subscriber=ann, topic=topic)
    assert newsletter.proof == old_proof  # a confirmed topic keeps the proof it rests on
    added = Subscription.objects.get(subscriber=ann, topic=events)
    assert added.status == "confirmed" and added.proof.origin == "import"


def test_a_pending_request_is_confirmed_but_a_topic_left_here_stays_left(tmp_path, topic, events):
    carl = Subscriber.objects.create(email="carl@example.com", language="en")
    Subscription.objects.create(subscriber=carl, topic=topic)  # asked, never confirmed
    Subscription.objects.create(subscriber=carl, topic=events, status="unsubscribed", unsubscribed_at=timezone.now())
    path = csv_file(tmp_path / "list.csv", [
        row("carl@example.com", topics="newsletter"), row("carl@example.com", topics="events"),
    ])
    report = subscribers_import(path=path, dry_run=False)
    assert report.updated == 1 and _skipped_rows(report, "unsubscribed") == [3]
    statuses = dict(Subscription.objects.filter(subscriber=carl).values_list("topic__slug", "status"))
    assert statuses == {"newsletter": "confirmed", "events": "unsubscribed"}


def test_suppressed_and_erased_addresses_are_skipped_and_counted_apart(tmp_path, topic):
    suppression_add(email="bounced@example.com", reason="bounce", source="test")
    suppression_add(email="gone@example.com", reason="erasure", source="test")
    path = csv_file(tmp_path / "list.csv", [
        row("BOUNCED@example.com"), row("ann@example.com"), row("gone@example.com"),
    ])
    report = subscribers_import(path=path, dry_run=False)
    assert report.created == 1
    assert _skipped_rows(report, "suppressed") == [2] and _skipped_rows(report, "erased") == [4]
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["ann@example.com"]


def test_dry_run_writes_nothing_and_reports_what_would_happen(tmp_path, topic):
    confirmed_subscriber("old@example.com", topic)
    path = csv_file(tmp_path / "list.csv", [row("ann@example.com"), row("old@example.com"),
                                             row("bob@example.com", consent_controller="Other")])
    before = (Subscriber.objects.count(), ConsentProof.objects.count(), Subscription.objects.count())
    report = subscribers_import(path=path, dry_run=True)
    assert (report.applied, report.created, report.skipped_count) == (False, 1, 2)
    assert (Subscriber.objects.count(), ConsentProof.objects.count(), Subscription.objects.count()) == before
    with translation.override("en"):
        lines = import_report_lines(report=report.as_dict())
    assert lines[0] == "Dry run: nothing was written. This is what an import would do."


def test_a_bad_row_in_the_middle_leaves_nothing_applied(tmp_path, topic, monkeypatch):
    # Several batches before the bad row: nothing of them may stay.
    monkeypatch.setattr("newsletter.services.imports.BATCH_SIZE", 2)
    rows = [row(f"reader{i}@example.com") for i in range(6)]
    rows.insert(3, row("not-an-address"))
    rows.insert(5, row("dan@example.com", topics="no-such-topic"))
    rows.insert(6, row("eve@example.com", consent_date="31/02/2025"))
    report = subscribers_import(path=csv_file(tmp_path / "list.csv", rows), dry_run=False)
    assert not report.applied and report.created == 6
    assert report.failed == {
        "email": {"count": 1, "rows": [[5, ""]]}, "topic": {"count": 1, "rows": [[7, "no-such-topic"]]},
        "date": {"count": 1, "rows": [[8, ""]]},
    }
    assert not Subscriber.objects.exists() and not ConsentProof.objects.exists()
    with translation.override("en"):
        lines = import_report_lines(report=report.as_dict())
    assert lines[0] == "Nothing was imported: correct the invalid rows and upload the file again."
    assert "Invalid: unknown topics: no-such-topic: row 7" in lines


@pytest.mark.parametrize(("head", "code"), [
    (b"email;name;topics\n", "columns"), (b"\xff\xfee\x00m\x00", "encoding"), (b"\n", "empty"),
])
def test_a_file_that_is_not_an_import_is_refused_at_once(head, code):
    with pytest.raises(ImportFileError) as caught:
        import_header_check(head=head)
    assert caught.value.code == code


def test_invalid_utf8_after_the_header_refuses_the_whole_file(tmp_path, topic):
    path = csv_file(tmp_path / "list.csv", [row("ann@example.com")])
    path.write_bytes(path.read_bytes() + "bob@example.com,Bo\xe9\r\n".encode("latin-1"))
    with pytest.raises(ImportFileError) as caught:
        subscribers_import(path=path, dry_run=False)
    assert caught.value.code == "encoding"
    assert not Subscriber.objects.exists()


def test_the_command_prints_the_report_and_keeps_a_record(tmp_path, topic, capsys):
    path = csv_file(tmp_path / "list.csv", [row("ann@example.com"), row("bob@example.com", consent_source="")],
                    delimiter=";", bom=True)
    with translation.override("nl"):  # the staff's language
        call_command("newsletter_import", str(path), "--dry-run")
        assert not Subscriber.objects.exists()
        call_command("newsletter_import", str(path))
    out = capsys.readouterr().out
    assert "Proefdraai: er werd niets opgeslagen" in out and "Geïmporteerd." in out
    assert "bewijs van toestemming onvolledig (ontbreekt: consent_source): rij 3" in out
    assert Subscriber.objects.get().email == "ann@example.com"
    assert path.exists()  # the operator's own file stays
    records = list(SubscriberImport.objects.order_by("pk").values_list("dry_run", "status", "stored_as"))
    assert records == [(True, "done", ""), (False, "done", "")]


def test_the_command_fails_on_an_invalid_file(tmp_path, topic):
    path = csv_file(tmp_path / "list.csv", [row("ann@example.com", language="fr")])
    with translation.override("en"), pytest.raises(CommandError, match="unknown language: row 2"):
        call_command("newsletter_import", str(path))
    assert not Subscriber.objects.exists()
    assert SubscriberImport.objects.get().status == "refused"
