"""Export and erasure across every app, the erasure log, and re-applying it after a restore."""

import datetime
import json

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation

from contact.models import ContactMessage
from core import registry
from datarights import selectors, services
from datarights.models import DataRequest, ErasureRecord
from mail.hashing import address_hash
from mail.models import OutboxMessage, Suppression
from mail.selectors import address_suppressed
from newsletter.models import Delivery, Subscriber, Subscription

from .holdings import hold_everything, opt_in

pytestmark = pytest.mark.django_db

ADDRESS = "Zoe.Unique-7731@Example.org"
OTHER = "bert.other-4410@example.net"


def _tables_mentioning(text: str) -> dict[str, int]:
    """Every table in the database, each row as text: where does `text` still appear?"""
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*) FROM {quoted} AS t WHERE t::text ILIKE %s", [f"%{text}%"])  # noqa: S608
            count = cursor.fetchone()[0]
            if count:
                found[table] = count
    return found


def test_export_contains_every_kind_of_record(staff):
    hold_everything(ADDRESS, "Zoë Unique", staff=staff)
    with translation.override("en"):  # the explanations asserted below are the English ones
        export = selectors.personal_data_export(ADDRESS)
    assert export["email"] == ADDRESS.lower()
    json.dumps(export)  # machine-readable as it is
    by_key = {part["key"]: part for part in export["parts"]}
    assert set(by_key) == {source.key for source in registry.sources()}
    for source in registry.sources():
        part = by_key[source.key]
        assert part["explanation"] and part["title"]
        for kind in part["kinds"]:
            assert kind["explanation"], (source.key, kind["key"])
            if kind["linkable"]:
                assert kind["records"], f"no {source.key}.{kind['key']} record in the export"
            else:
                assert kind["records"] == []  # explained, not guessed
    newsletter = {k["key"]: k["records"] for k in by_key["newsletter"]["kinds"]}
    assert newsletter["consent_proofs"][0]["consent_text"] == "I agree to receive e-mails (test text)."
    assert newsletter["consent_proofs"][0]["ip_address_truncated"] == "198.51.100.0"
    assert {s["status"] for s in newsletter["subscriptions"]} == {"confirmed"}
    access_log = by_key["access_log"]["explanation"]
    assert "cannot be linked" not in access_log  # combined with other records, some rows could be
    assert "cannot tell which of them are yours without extra information from you (GDPR Art. 11(2))" in access_log
    assert "random consent id" in by_key["cookie_consent"]["explanation"]


def test_export_explanations_follow_the_visitor_language(staff):
    hold_everything(ADDRESS, "Zoë Unique", staff=staff)
    with translation.override("nl"):
        export = selectors.personal_data_export(ADDRESS)
    by_key = {part["key"]: part for part in export["parts"]}
    assert by_key["contact"]["title"] == "Contactformulier"
    access_log = by_key["access_log"]["explanation"]
    assert "kunnen dus niet aan uw e-mailadres gekoppeld worden" not in access_log
    assert "zonder extra informatie van u niet zien welke ervan van u zijn (AVG art. 11, lid 2)" in access_log


def test_after_erasure_nothing_for_the_address_remains_but_its_hash(staff, django_capture_on_commit_callbacks):
    hold_everything(ADDRESS, "Zoë Unique", staff=staff)
    other = hold_everything(OTHER, "Bert Other", staff=staff)
    local = "unique-7731"
    before = _tables_mentioning(local)
    assert {"newsletter_subscriber", "contact_contactmessage", "datarights_accesslink",
            "newsletter_outboxmessage", "django_admin_log"} <= set(before)

    with django_capture_on_commit_callbacks(execute=True):
        counts = services.erase_everything(ADDRESS, actor=staff)

    assert _tables_mentioning(local) == {}
    assert _tables_mentioning("Zoë Unique") == {}
    assert counts["newsletter"]["subscriber"] == 1 and counts["contact"]["contact_messages"] == 1
    # Kept by design: keyed hashes only.
    hashed = address_hash(ADDRESS)
    assert Suppression.objects.filter(address_hash=hashed).exists()
    assert ErasureRecord.objects.filter(address_hash=hashed).count() == 2  # the earlier one and this one
    assert DataRequest.objects.filter(subject_hash=hashed, subject_email="").exists()
    assert address_suppressed(ADDRESS)
    # The other person's data is untouched.
    assert Subscriber.objects.filter(email=OTHER).exists()
    assert ContactMessage.objects.filter(email=OTHER).count() == 1
    assert Delivery.objects.filter(subscriber=other.subscriber).count() == 1
    assert address_suppressed(OTHER)  # the other person's bounce stays on the list
    # The erasure log beside the database has the hash, and nothing readable.
    from django.conf import settings

    lines = settings.ERASURE_LOG_FILE.read_text().splitlines()
    assert [json.loads(line)["hash"] for line in lines] == [hashed]
    assert local not in settings.ERASURE_LOG_FILE.read_text()


ERASED = "E@Example.com"
# Each contains the erased address as text, and none is it.
SIMILAR = ("alice@example.com", "e@example.com.evil.test", "xe@example.com")


def _staff_note(staff, text: str) -> LogEntry:
    return LogEntry.objects.create(user=staff, action_flag=CHANGE, object_repr=f"Subscriber {text}",
                                   change_message=f"Address changed to {text}.")


def test_erasing_an_address_leaves_similar_addresses_untouched_in_every_source(staff):
    hold_everything(ERASED, "Eve Erased", staff=staff)
    for address in SIMILAR:
        hold_everything(address, "Someone Similar", staff=staff)
        _staff_note(staff, address)
    erased_note = _staff_note(staff, "e@example.com")
    before = {address: selectors.personal_data_export(address)["parts"] for address in SIMILAR}
    for address, parts in before.items():  # so that "unchanged" covers every source
        for part in parts:
            for kind in part["kinds"]:
                assert kind["records"] or not kind["linkable"], (address, part["key"], kind["key"])

    services.erase_everything(ERASED)

    for address in SIMILAR:
        assert selectors.personal_data_export(address)["parts"] == before[address], address
    assert not LogEntry.objects.filter(pk=erased_note.pk).exists()
    left = {part["key"]: part for part in selectors.personal_data_export(ERASED)["parts"]}
    assert left["admin_history"]["kinds"][0]["records"] == []


@pytest.mark.parametrize(
    ("text", "names_it"),
    [
        ("e@example.com", True),
        ("E@EXAMPLE.COM", True),
        ("Subscriber e@example.com", True),
        ("Changed e@example.com.", True),
        ("<e@example.com>, bob@example.net", True),
        ("alice@example.com", False),
        ("xe@example.com", False),
        ("x.e@example.com", False),
        ("x+e@example.com", False),
        ("e@example.com.evil.test", False),
        ("e@example.community", False),
        ("e@example.com-mail.test", False),
    ],
)
def test_admin_history_is_matched_on_whole_addresses(staff, text, names_it):
    entry = LogEntry.objects.create(user=staff, action_flag=CHANGE, object_repr=text, change_message="[]")
    exported = registry.get("admin_history").export("e@example.com")["admin_history"]
    assert len(exported) == int(names_it)
    registry.get("admin_history").erase("e@example.com", None)
    assert LogEntry.objects.filter(pk=entry.pk).exists() is not names_it


def test_erasure_is_one_transaction(staff, monkeypatch):
    """If one app's eraser fails, no app has erased anything."""
    hold_everything(ADDRESS, "Zoë Unique", staff=staff)
    failing = registry.Source(
        key="zz_failing", title="x", explanation="x", models=(), kinds=(),
        export=lambda address: {}, erase=lambda address, before=None: 1 / 0, order=999,
    )
    registry.register(failing)
    try:
        with pytest.raises(ZeroDivisionError):
            services.erase_everything(ADDRESS)
    finally:
        registry._registry.sources.pop("zz_failing")
    assert Subscriber.objects.filter(email=ADDRESS.lower()).exists()
    assert ContactMessage.objects.filter(email__iexact=ADDRESS).exists()
    assert not Suppression.objects.filter(address_hash=address_hash(ADDRESS), reason="erasure",
                                          created_at__gt=timezone.now() - datetime.timedelta(days=1)).exists()


def test_a_new_confirmed_opt_in_lifts_the_hash_suppression(staff):
    hold_everything(ADDRESS, "Zoë Unique", staff=staff)
    services.erase_everything(ADDRESS)
    assert address_suppressed(ADDRESS)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        opt_in(ADDRESS, "Zoë Unique")  # subscribes and confirms again
        assert not address_suppressed(ADDRESS)


def test_reapply_after_a_restore_erases_again_but_keeps_later_opt_ins(staff, settings,
                                                                       django_capture_on_commit_callbacks):
    """A restore brings back data erased since the backup; the erasure log brings the erasure back."""
    start = timezone.now() - datetime.timedelta(days=30)
    with time_machine.travel(start, tick=False):
        hold_everything(ADDRESS, "Zoë Unique", staff=staff)
        hold_everything(OTHER, "Bert Other", staff=staff)
    with (
        time_machine.travel(start + datetime.timedelta(days=10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.erase_everything(ADDRESS)
        services.erase_everything(OTHER)
    # The restore: the backup predates both erasures, so it holds both people's data again
    # and none of the erasure records.
    with time_machine.travel(start, tick=False):
        hold_everything(ADDRESS, "Zoë Unique", staff=staff)
        hold_everything(OTHER, "Bert Other", staff=staff)
    ErasureRecord.objects.all().delete()
    Suppression.objects.all().delete()
    # Bert opts in again after his erasure, before reapply_erasures has run: the restored copy
    # of his old profile is the one his new opt-in lands on. The new opt-in must survive, and
    # nothing from before his erasure (his old name, his old consent proofs and deliveries).
    with time_machine.travel(start + datetime.timedelta(days=20), tick=False):
        hold_everything(OTHER, "Bert Again", bounced=False)

    call_command("reapply_erasures", stdout=open("/dev/null", "w"))  # noqa: SIM115

    erased_at = start + datetime.timedelta(days=10)
    assert _tables_mentioning("unique-7731") == {}
    bert = Subscriber.objects.get(email=OTHER)
    assert (bert.name, bert.created_at) == ("Bert Again", start + datetime.timedelta(days=20))
    assert Subscription.objects.filter(subscriber=bert, status="confirmed").exists()
    assert not Subscription.objects.filter(subscriber=bert, proof__given_at__lt=erased_at).exists()
    assert list(bert.proofs.values_list("given_at", flat=True)) == [start + datetime.timedelta(days=20)]
    assert not Delivery.objects.filter(subscriber=bert, campaign__created_at__lt=erased_at).exists()
    assert Delivery.objects.filter(subscriber=bert, campaign__created_at__gt=erased_at).exists()
    assert ErasureRecord.objects.filter(address_hash=address_hash(ADDRESS)).exists()
    assert address_suppressed(ADDRESS) and not address_suppressed(OTHER)
    assert ContactMessage.objects.filter(email=OTHER, created_at__gt=start + datetime.timedelta(days=10)).exists()
    assert not ContactMessage.objects.filter(email=OTHER, created_at__lt=start + datetime.timedelta(days=10)).exists()


def test_transactional_mail_for_the_address_goes_too(staff):
    hold_everything(ADDRESS, "Zoë Unique", staff=staff)
    assert OutboxMessage.objects.filter(to_email=ADDRESS.lower()).count() >= 2
    services.erase_everything(ADDRESS)
    assert not OutboxMessage.objects.filter(to_email__iexact=ADDRESS).exists()


def test_registry_check_covers_every_model_with_personal_data():
    from django.core import checks

    messages = [m for m in checks.run_checks() if m.id and m.id.startswith("datarights.")]
    assert messages == []
    assert registry.uncovered_models() == []


def test_registry_check_catches_a_forgotten_model():
    saved = registry._registry.sources.pop("contact")
    try:
        missing = dict(registry.uncovered_models())
        assert missing == {"contact.ContactMessage": ["email"]}
        from core.registry import check_registry

        assert [m.id for m in check_registry()] == ["datarights.E001"]
    finally:
        registry.register(saved)
