"""The subscriber export (issue 14, point 2): a CSV file per topic and language, behind its own
right, the proofs' IPs only for who may see them, cells escaped against spreadsheet formulas,
a warning on the page, every export in the admin history, streamed."""

import csv
import io

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from newsletter.models import Subscriber, Subscription, Topic
from newsletter.services.exports import FORMULA_STARTS, csv_cell

from .factories import confirmed_subscriber

pytestmark = pytest.mark.django_db

HEADER = ["email", "name", "language", "topic", "confirmed_at", "consent_given_at", "consent_source",
          "consent_version", "consent_origin"]


def _url(name: str = "export", language: str = "en") -> str:
    with translation.override(language):
        return reverse(f"admin:newsletter_subscriber_{name}")


def _staff(username: str, *, groups=(), permissions=()) -> User:
    user = User.objects.create_user(username, f"{username}@ilumen.be", "a-long-test-password", is_staff=True)
    user.groups.add(*[Group.objects.get(name=name) for name in groups])
    user.user_permissions.add(*[Permission.objects.get(codename=codename) for codename in permissions])
    return user


@pytest.fixture
def marketing(client) -> Client:
    client.force_login(_staff("marketer", groups=["Marketing"]))
    return client


@pytest.fixture
def marketing_with_ips(client) -> Client:
    client.force_login(_staff("legalmarketer", groups=["Marketing"], permissions=["view_proof_ip"]))
    return client


@pytest.fixture
def readers(topic):
    """Ann (nl) and Bob (en) follow the topic; Cas follows another; Dirk has not confirmed."""
    confirmed_subscriber("ann@example.com", topic, language="nl", name="Ann", ip_truncated="192.0.2.0")
    confirmed_subscriber("bob@example.com", topic, language="en", name="Bob")
    other = Topic.objects.create(slug="events", name_nl="Evenementen", name_en="Events")
    confirmed_subscriber("cas@example.com", other, language="nl")
    dirk = Subscriber.objects.create(email="dirk@example.com", language="nl")
    Subscription.objects.create(subscriber=dirk, topic=topic, status="pending")


def _download(client: Client, topic: Topic, language: str = "", *, url_language: str = "en"):
    response = client.post(_url(language=url_language), {"topic": topic.pk, "language": language})
    assert response.status_code == 200, response.content[:500]
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")  # spreadsheets read it as UTF-8
    return response, list(csv.reader(io.StringIO(content[1:]), delimiter=";"))


def test_the_page_warns_that_a_file_leaves_erasure_and_retention_in_english_and_dutch(marketing, topic):
    page = marketing.get(_url()).content.decode()
    assert "An exported file is outside the site's erasure and retention" in page
    assert 'name="topic"' in page and 'name="language"' in page and "csrfmiddlewaretoken" in page
    dutch = marketing.get(_url(language="nl")).content.decode()
    assert "Een geëxporteerd bestand valt buiten het wissen en de bewaartermijnen van de site" in dutch
    assert "Download het CSV-bestand" in dutch


def test_the_subscriber_list_links_the_export_only_for_who_may_export(client, marketing, topic):
    assert _url() in marketing.get(_url("changelist")).content.decode()
    client.force_login(_staff("viewer", permissions=["view_subscriber"]))
    assert _url() not in client.get(_url("changelist")).content.decode()


def test_without_the_right_the_export_is_refused(client, readers, topic):
    client.force_login(_staff("viewer", permissions=["view_subscriber", "view_proof_ip"]))
    assert client.get(_url()).status_code == 403
    assert client.post(_url(), {"topic": topic.pk}).status_code == 403
    client.logout()
    anonymous = client.post(_url(), {"topic": topic.pk})
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert not LogEntry.objects.exists()


def test_a_download_needs_a_post_with_the_csrf_token(readers, topic):
    client = Client(enforce_csrf_checks=True)
    client.force_login(_staff("marketer", groups=["Marketing"]))
    shown = client.get(_url(), {"topic": topic.pk})
    assert shown.status_code == 200 and not isinstance(shown, StreamingHttpResponse)
    assert client.post(_url(), {"topic": topic.pk}).status_code == 403
    assert not LogEntry.objects.exists()


def test_the_confirmed_subscribers_of_the_topic_and_language(marketing, readers, topic):
    response, rows = _download(marketing, topic)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="subscribers-newsletter-all-')
    assert rows[0] == HEADER
    assert [row[:4] for row in rows[1:]] == [["ann@example.com", "Ann", "nl", "newsletter"],
                                             ["bob@example.com", "Bob", "en", "newsletter"]]
    assert all(row[4] and row[5] and row[6:9] == ["/test/", "1", "form"] for row in rows[1:])
    _response, dutch_only = _download(marketing, topic, "nl")
    assert [row[0] for row in dutch_only[1:]] == ["ann@example.com"]


def test_ip_addresses_only_for_who_may_see_those_of_the_proofs(marketing, readers, topic):
    page = marketing.get(_url()).content.decode()
    assert "It does not include IP addresses" in page
    _response, rows = _download(marketing, topic)
    assert rows[0] == HEADER and "192.0.2.0" not in str(rows)


def test_ip_addresses_with_the_right_to_see_them(marketing_with_ips, readers, topic):
    assert "It includes the (truncated) IP address" in marketing_with_ips.get(_url()).content.decode()
    _response, rows = _download(marketing_with_ips, topic)
    assert rows[0] == [*HEADER, "consent_ip_truncated"]
    assert [(row[0], row[9]) for row in rows[1:]] == [("ann@example.com", "192.0.2.0"), ("bob@example.com", "")]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_escaped(start):
    assert csv_cell(f"{start}HYPERLINK(\"http://evil.example\")") == f"'{start}HYPERLINK(\"http://evil.example\")"


def test_formulas_are_escaped_in_the_file_and_harmless_cells_kept(marketing, topic):
    names = [f"{start}1+cmd|' /C calc'!A0" for start in FORMULA_STARTS]
    for i, name in enumerate([*names, "Anne-Marie", "A=B"]):
        # Straight into the database: the forms refuse such names, an import or old rows may not.
        confirmed_subscriber(f"r{i}@example.com", topic, name=name)
    confirmed_subscriber("-dash@example.com", topic, name="Dash")
    _response, rows = _download(marketing, topic)
    by_email = {row[0]: row[1] for row in rows[1:]}
    assert [by_email[f"r{i}@example.com"] for i in range(len(names))] == [f"'{name}" for name in names]
    assert by_email["r6@example.com"] == "Anne-Marie" and by_email["r7@example.com"] == "A=B"
    assert "'-dash@example.com" in by_email


def test_each_export_is_recorded_in_the_admin_history(marketing, readers, topic):
    _download(marketing, topic, "en")
    entry = LogEntry.objects.get()
    assert entry.user.username == "marketer"
    assert (entry.content_type.model, entry.object_id) == ("topic", str(topic.pk))
    assert entry.change_message == ("Exported 1 subscribers as a CSV file, without IP addresses (topic: newsletter; "
                                    "language: en).")
    history = marketing.get(reverse("admin:newsletter_topic_history", args=[topic.pk])).content.decode()
    assert "Exported 1 subscribers as a CSV file" in history


def test_the_history_entry_in_dutch(marketing_with_ips, readers, topic):
    _download(marketing_with_ips, topic, url_language="nl")
    assert LogEntry.objects.get().change_message == (
        "2 abonnees geëxporteerd als CSV-bestand, met IP-adressen (onderwerp: newsletter; taal: elke taal).")


def test_a_bad_choice_is_a_form_error_and_exports_nothing(marketing, readers):
    response = marketing.post(_url(), {"topic": "999999", "language": "xx"})
    assert response.status_code == 200 and not isinstance(response, StreamingHttpResponse)
    assert "Select a valid choice" in response.content.decode()
    assert not LogEntry.objects.exists()


def test_the_rows_are_read_while_the_file_streams(marketing, readers, topic):
    with CaptureQueriesContext(connection) as before:
        response = marketing.post(_url(), {"topic": topic.pk})
    assert isinstance(response, StreamingHttpResponse) and not response.has_header("Content-Length")
    assert not any('"newsletter_subscriber"."email"' in query["sql"] for query in before.captured_queries)
    with CaptureQueriesContext(connection) as during:
        content = b"".join(response.streaming_content).decode()
    assert any('"newsletter_subscriber"."email"' in query["sql"] for query in during.captured_queries)
    assert "bob@example.com" in content


def _open_cursors() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors WHERE name LIKE '_django_curs_%%'")
        return cursor.fetchone()[0]


def test_the_rows_come_from_a_server_side_cursor_in_chunks(marketing, readers, topic):
    """Not a list of every row: while the first rows go out, the rest wait in the database."""
    lines = iter(marketing.post(_url(), {"topic": topic.pk}).streaming_content)
    assert next(lines).startswith("\ufeff\"email\"".encode())
    assert b"ann@example.com" in next(lines)
    assert _open_cursors() == 1
    assert b"bob@example.com" in b"".join(lines)
    assert _open_cursors() == 0
