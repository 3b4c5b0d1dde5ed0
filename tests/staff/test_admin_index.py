"""The admin index shows, per role, what needs a person: counts that link to the list behind each.

Each role sees its own panel only (a superuser all, the web editor none); every count is right for data
made inside and outside its window, and following its link lists exactly that many rows."""

import datetime
import html
import re
import uuid

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from consent import selectors as consent_selectors
from consent import services as consent_services
from consent.audit import findings as f
from consent.models import ConsentRecord, GpcRefusalDay
from contact.models import ContactMessage
from datarights.models import DataRequest
from datarights.services import request_register, workflow
from newsletter.models import Bounce, Campaign, Subscriber, Subscription, Topic
from privacy.models import Document, Version
from privacy.services.statements import version_save
from tests.newsletter.factories import confirmed_subscriber

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 12, 1)
INSIDE = NOW - datetime.timedelta(days=5)
OUTSIDE = NOW - datetime.timedelta(days=40)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _panels(page: str) -> dict[str, str]:
    return dict(re.findall(r'<section class="module staff-panel" id="panel-(\w+)".*?>(.*?)</section>', page, re.S))


def _links(panel: str) -> list[tuple[str, str]]:
    """(text, address) of each count link, in order."""
    found = re.findall(r'<a href="([^"]+)">([^<]+)</a>', panel)
    return [(html.unescape(text), html.unescape(href)) for href, text in found]


def _count(text: str) -> int:
    return int(re.match(r"\d+", text).group())


def _rows(client: Client, address: str) -> int:
    """The rows the admin list at this address shows (one page holds them all here)."""
    response = client.get(address)
    assert response.status_code == 200, address
    page = response.content.decode()
    assert "?e=1" not in response.get("Location", ""), address
    if 'id="result_list"' not in page:
        return 0
    return page.split('id="result_list"')[1].split("<tbody>")[1].split("</tbody>")[0].count("<tr")


# --- The data ------------------------------------------------------------------------------------------


def _draft(title: str, *editors: User) -> Version:
    version = Version(document=Document.objects.get(slug="ilumen"), language="en", title=title, body="Text",
                      last_amended=TODAY)
    for editor in editors:
        version_save(version=version, user=editor)
    return version


def _request_due(days: int, email: str) -> DataRequest:
    data_request = request_register(kind="access", email=email, received_on=TODAY - datetime.timedelta(days=60))
    DataRequest.objects.filter(pk=data_request.pk).update(due_on=TODAY + datetime.timedelta(days=days))
    return data_request


def _audit(errors: int, at: datetime.datetime) -> None:
    registry = consent_selectors.registry_state()
    found = [f.Finding(f.ERROR, f.UNDECLARED_COOKIE, f"tracker{n}", domain="ads.example", states=[f.NO_CHOICE],
                       page="/nl/", pages={"/nl/"}) for n in range(errors)]
    found.append(f.Finding(f.WARNING, f.NOT_SEEN, "sessionid", category="necessary", cookie=("sessionid", "")))
    with time_machine.travel(at, tick=False):
        consent_services.cookie_audit_record(
            base_url="https://www.ilumen.test", registry_revision_id=registry.revision_id, states=[f.NO_CHOICE],
            pages=["/nl/"], observations={}, findings=found,
        )


def _subscriber(email: str, topic: Topic, joined: datetime.datetime, *, left: datetime.datetime | None = None,
                still_follows: Topic | None = None) -> None:
    subscriber = confirmed_subscriber(email, topic)
    if still_follows:
        Subscription.objects.create(subscriber=subscriber, topic=still_follows, status="confirmed",
                                    proof=subscriber.proofs.get(), confirmed_at=joined)
    Subscriber.objects.filter(pk=subscriber.pk).update(created_at=joined)
    if left:
        Subscription.objects.filter(subscriber=subscriber, topic=topic).update(
            status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=left)


def _bounce(kind: str, at: datetime.datetime) -> None:
    Bounce.objects.create(kind=kind, source="test", event_key=str(uuid.uuid4()), occurred_at=at)


@pytest.fixture
def people(group_member) -> dict[str, User]:
    made = {group: group_member(group) for group in ("Legal", "Marketing", "Support", "Web editor")}
    made["root"] = User.objects.create_superuser("root", "root@ilumen.be", "a-long-test-password")
    return made


@pytest.fixture
def data(seeded, integrations_on, people) -> None:
    legal, colleague = people["Legal"], User.objects.create_user("colleague", is_staff=True)
    _draft("By a colleague", colleague)  # waits for Legal's eyes
    _draft("By two colleagues", colleague, people["root"])  # Legal's too
    _draft("By Legal and a colleague", legal, colleague)  # Legal edited it: someone else must publish
    _draft("By Legal", legal)
    Version.objects.create(document=Document.objects.get(slug="ilumen"), language="nl", title="Untouched",
                           body="Text", last_amended=TODAY)  # nobody has edited it: no four eyes to wait for

    for days, email in ((-3, "late@example.org"), (-1, "later@example.org"), (0, "today@example.org"),
                        (7, "week@example.org"), (8, "beyond@example.org"), (30, "month@example.org")):
        _request_due(days, email)
    workflow.request_close(data_request=_request_due(-5, "closed@example.org"), outcome="done", actor=None)

    _audit(5, NOW - datetime.timedelta(days=10))
    _audit(2, NOW - datetime.timedelta(days=1))  # the latest: its 2 errors count

    revision = consent_selectors.registry_state()
    for days, granted, refused in ((2, ["analytics", "social"], []), (3, [], ["analytics", "social"]),
                                   (4, ["social"], ["analytics"]), (40, ["analytics"], [])):
        ConsentRecord.objects.create(created_at=NOW - datetime.timedelta(days=days), method="banner",
                                     granted=granted, refused=refused, registry_revision_id=revision.revision_id,
                                     language="nl")
    GpcRefusalDay.objects.create(day=TODAY - datetime.timedelta(days=1), language="nl", count=1)

    topic, other = Topic.objects.create(slug="news", name_nl="Nieuws", name_en="News"), Topic.objects.create(
        slug="offers", name_nl="Aanbod", name_en="Offers")
    _subscriber("new1@example.org", topic, INSIDE)
    _subscriber("new2@example.org", topic, INSIDE)
    _subscriber("old@example.org", topic, OUTSIDE)
    _subscriber("gone@example.org", topic, OUTSIDE, left=INSIDE)
    _subscriber("new-and-gone@example.org", topic, INSIDE, left=INSIDE)  # lost, not added
    _subscriber("long-gone@example.org", topic, OUTSIDE, left=OUTSIDE)
    _subscriber("one-topic-less@example.org", topic, OUTSIDE, left=INSIDE, still_follows=other)  # not lost
    Subscriber.objects.create(email="pending@example.org", language="en")  # never confirmed: not added

    for status, count in (("sending", 1), ("paused", 2), ("on_hold", 1), ("draft", 1), ("sent", 1)):
        for n in range(count):
            Campaign.objects.create(name=f"{status} {n}", status=status)

    for kind, at in (("hard", INSIDE), ("hard", INSIDE), ("soft", INSIDE), ("hard", OUTSIDE),
                     ("complaint", INSIDE), ("complaint", OUTSIDE)):
        _bounce(kind, at)

    for n, handled in enumerate((False, False, True)):
        ContactMessage.objects.create(name="A visitor", email=f"v{n}@example.org", subject="Hello", message="Hi",
                                      language="nl", handled=handled, handled_at=NOW if handled else None)


EXPECTED = {
    "legal": [2, 2, 2, 2],  # drafts for Legal's eyes, overdue, due within 7 days, errors of the latest audit
    "marketing": [2, 2, 1, 2, 1, 3, 1],  # joined, left, sending, paused, on hold, bounces, complaints
    "support": [2, 2, 6, 2],  # overdue, due within 7 days, open, unhandled messages
}


# --- Who sees what -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "panels"), [
    ("Legal", {"legal"}), ("Marketing", {"marketing"}), ("Support", {"support"}), ("Web editor", set()),
    ("root", {"legal", "marketing", "support"}),
])
def test_each_role_sees_its_own_panel(data, people, who, panels):
    client = Client()
    client.force_login(people[who])
    assert set(_panels(client.get("/en/admin/").content.decode())) == panels


def test_someone_in_two_groups_sees_both_panels(data, people):
    from django.contrib.auth.models import Group

    people["Support"].groups.add(Group.objects.get(name="Marketing"))
    client = Client()
    client.force_login(User.objects.get(pk=people["Support"].pk))
    assert set(_panels(client.get("/en/admin/").content.decode())) == {"marketing", "support"}


# --- The counts and where they lead --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["legal", "marketing", "support"])
def test_each_count_is_right_and_its_link_lists_as_many_rows(data, people, role):
    client = Client()
    client.force_login(people[role.capitalize()])
    panel = _panels(client.get("/en/admin/").content.decode())[role]
    links = [(text, address) for text, address in _links(panel) if "consent record" not in text]
    assert [_count(text) for text, _address in links] == EXPECTED[role], links
    for text, address in links:
        if "cookie audit" in text:
            page = client.get(address).content.decode()
            findings = page.split('class="cookie-audit-findings"')[1].split("</table>")[0]
            assert findings.count("<td>Error</td>") == _count(text)
        else:
            assert _rows(client, address) == _count(text), (text, address)


def test_the_counts_read_in_english_and_dutch(data, people):
    client = Client()
    client.force_login(people["root"])
    english = _panels(client.get("/en/admin/").content.decode())
    assert "3 statement drafts wait for your second pair of eyes" in english["legal"]  # root edited one
    assert "2 subscribers joined since Nov. 1, 2026" in html.unescape(english["marketing"])
    assert "2 contact messages are not handled yet" in english["support"]
    dutch = _panels(client.get("/nl/admin/").content.decode())
    assert "2 gegevensverzoeken zijn te laat" in dutch["support"]
    assert "2 nieuwe abonnees sinds 1 november 2026" in dutch["marketing"]
    assert "Juridisch" in dutch["legal"] and "Ondersteuning" in dutch["support"]


def test_consent_rates_are_aggregates_with_the_records_for_legal_only(data, people):
    client = Client()
    client.force_login(people["root"])
    panels = _panels(client.get("/en/admin/").content.decode())
    # Analytics: granted once, refused twice by records and once by the GPC signal, in the window.
    assert "Social media: 50% accepted of 4 decisions" in panels["legal"]
    assert "Statistics (Google Analytics): 25% accepted of 4 decisions" in panels["legal"]
    assert "Statistics (Google Analytics): 25% accepted of 4 decisions" in panels["marketing"]
    assert "1 refusal by a Global Privacy Control signal" in panels["marketing"]
    records = [address for text, address in _links(panels["legal"]) if text == "3 consent records"]
    assert len(records) == 1 and _rows(client, records[0]) == 3
    assert "consent record" not in "".join(text for text, _address in _links(panels["marketing"]))


def test_marketing_sees_no_link_to_the_consent_records(data, people):
    client = Client()
    client.force_login(people["Marketing"])
    panel = _panels(client.get("/en/admin/").content.decode())["marketing"]
    assert "3 consent records" in panel
    assert "consentrecord" not in panel


def test_without_an_audit_the_panel_says_so(seeded, people):
    client = Client()
    client.force_login(people["Legal"])
    assert "No cookie audit has run yet" in _panels(client.get("/en/admin/").content.decode())["legal"]


def test_a_malformed_moment_in_the_lost_filter_is_no_error_page(data, people):
    client = Client()
    client.force_login(people["Marketing"])
    for value in ("yesterday", "2026-11-01", "2026-13-45T00:00:00%2B01:00"):
        response = client.get(f"/en/admin/newsletter/subscriber/?left_since={value}")
        assert response.status_code == 302 and response["Location"].endswith("?e=1"), value


# --- Speed ---------------------------------------------------------------------------------------------


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/en/admin/").status_code == 200
    return len(queries)


def test_the_index_takes_a_bounded_number_of_queries(data, people, django_assert_max_num_queries):
    root, editor = Client(), Client()
    root.force_login(people["root"])
    editor.force_login(people["Web editor"])
    for client in (root, editor):
        client.get("/en/admin/")  # the session and the registry cache warmed
    # Against a page without panels: the nine counts (one query for each table; the data requests and
    # consent shown in two panels are read once) and the two campaign warnings.
    panels = _queries(root) - _queries(editor)
    assert panels <= 9 + 2, panels
    for n in range(20):  # more rows of every kind, no more queries
        _request_due(-2, f"late{n}@example.org")
        _bounce("hard", INSIDE)
        _draft(f"Draft {n}", people["Web editor"])
        _subscriber(f"more{n}@example.org", Topic.objects.get(slug="news"), INSIDE, left=INSIDE)
    with django_assert_max_num_queries(_queries(editor) + panels):
        root.get("/en/admin/")
