"""The access log: what reaches it (never a token), how it is written, and what staff see."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accesslog.buffer import Row, buffer
from accesslog.models import PageView
from accesslog.paths import looks_like_token
from datarights import tokens as datarights_tokens
from newsletter import tokens as newsletter_tokens
from tests.newsletter.conftest import test_database_url as _test_database_url
from tests.polling import wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _empty_buffer():
    buffer.clear()
    yield
    buffer.clear()


def _logged() -> list[PageView]:
    buffer.flush()
    return list(PageView.objects.order_by("pk"))


@pytest.mark.django_db
def test_a_page_view_is_logged_with_time_path_status_language_and_network(client, seeded):
    """Through the PostgreSQL COPY path: the full IP address never reaches the table."""
    before = timezone.now()
    client.get("/nl/privacy/?utm_source=mail&email=x@example.org", REMOTE_ADDR="192.0.2.44")
    client.get("/en/no-such-page/", REMOTE_ADDR="2001:db8:1234:5678::7")
    client.get("/robots.txt", REMOTE_ADDR="192.0.2.44")
    client.get("/static/css/site.css")
    client.get("/en/admin/login/")
    rows = _logged()
    assert [(r.path, r.status, r.language, r.ip) for r in rows] == [
        ("/nl/privacy/", 200, "nl", "192.0.2.0"),
        ("/en/no-such-page/", 404, "en", "2001:db8:1234::"),
        ("/robots.txt", 200, "", "192.0.2.0"),
    ]
    assert all(r.time >= before for r in rows)
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_confirmation_unsubscribe_preference_and_my_data_links_never_reach_the_log(client):
    subscriber_uuid = uuid.uuid4()
    secrets = [
        newsletter_tokens.confirm_token_make(uuid.uuid4()),
        newsletter_tokens.unsubscribe_token_make(subscriber_uuid, None),
        datarights_tokens.link_token(uuid.uuid4()),
        datarights_tokens.stay_token("ab" * 32),
    ]
    urls = [
        f"/nl/newsletter/confirm/{secrets[0]}/",
        f"/en/newsletter/unsubscribe/{secrets[1]}/",
        f"/en/newsletter/preferences/{secrets[1]}/",
        f"/nl/privacy/my-data/open/{secrets[2]}/",
        f"/en/privacy/my-data/stay/{secrets[3]}/",
        # Not routed, so no URL pattern names the secret: the segment itself gives it away.
        f"/en/unknown/{secrets[2]}/", f"/en/unknown/{uuid.uuid4()}/", "/en/unknown/someone@example.org/",
    ]
    for url in urls:
        client.get(url)
    client.post(urls[1], {"List-Unsubscribe": "One-Click"})
    paths = [row.path for row in _logged()]
    assert paths[:5] == [
        "/nl/newsletter/confirm/:token/", "/en/newsletter/unsubscribe/:token/", "/en/newsletter/preferences/:token/",
        "/nl/privacy/my-data/open/:token/", "/en/privacy/my-data/stay/:token/",
    ]
    assert paths[5:] == ["/en/unknown/:token/", "/en/unknown/:token/", "/en/unknown/:email/",
                         "/en/newsletter/unsubscribe/:token/"]
    for secret in [*secrets, str(subscriber_uuid)]:
        assert not any(secret in path for path in paths)


@pytest.mark.parametrize("segment", ["privacy", "legal-notice", "v12", "history", "2026-annual-report",
                                     "solar-panels-for-businesses"])
def test_ordinary_segments_are_kept(segment):
    assert not looks_like_token(segment)


@pytest.mark.django_db
def test_requests_never_write_to_the_database_themselves(client, seeded):
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            client.get("/en/privacy/")
    assert not [q for q in queries.captured_queries if "accesslog_pageview" in q["sql"]]
    assert len(buffer) == 20


@pytest.mark.django_db
def test_a_full_buffer_drops_rows_instead_of_growing(client, settings):
    settings.ACCESS_LOG_MAX_BUFFER = 3
    dropped = buffer.dropped
    for _ in range(5):
        client.get("/en/legal-notice/")
    assert len(buffer) == 3 and buffer.dropped == dropped + 2


# Transactional tests flush what they touch afterwards; limiting them to this app's tables
# keeps the data other apps' migrations seeded (topics, the Marketing group) for later tests.
ACCESSLOG_ONLY = pytest.mark.django_db(transaction=True, available_apps=["accesslog"])


@ACCESSLOG_ONLY
def test_the_writer_thread_writes_in_batches_by_size_and_by_age(settings):
    """The request side is covered above (no query); here the thread: by size, then by age."""
    settings.ACCESS_LOG_WRITER = "thread"
    settings.ACCESS_LOG_BATCH_SIZE = 10
    settings.ACCESS_LOG_FLUSH_SECONDS = 30  # age flushes are tested below with a short interval

    def view(n: int) -> Row:
        return Row(timezone.now(), f"/en/page-{n}/", 200, "en", "192.0.2.5", "")

    try:
        for n in range(9):
            buffer.add(view(n))
        time.sleep(0.3)
        assert PageView.objects.count() == 0  # under the batch size and young: still in memory
        buffer.add(view(9))
        wait_until(lambda: PageView.objects.count() == 10, timeout=15)  # the tenth row woke the writer
        assert PageView.objects.filter(ip="192.0.2.0").count() == 10

        buffer.stop()
        settings.ACCESS_LOG_FLUSH_SECONDS = 0.2
        for n in range(3):
            buffer.add(view(n))  # under the batch size: written when old enough
        wait_until(lambda: PageView.objects.count() == 13, timeout=15)
    finally:
        buffer.stop()


@ACCESSLOG_ONLY
def test_rows_still_buffered_are_written_at_process_exit():
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client()\n"
        "for _ in range(7): c.get('/en/legal-notice/', REMOTE_ADDR='192.0.2.8')\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))},
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "ilumen_site.settings"),
        "DATABASE_URL": _test_database_url(), "ACCESS_LOG_WRITER": "thread", "ACCESS_LOG_FLUSH_SECONDS": "3600",
        "ACCESS_LOG_BATCH_SIZE": "1000", "ALLOWED_HOSTS": "testserver",
    }
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert PageView.objects.filter(path="/en/legal-notice/", ip="192.0.2.0").count() == 7


# --- The statistics screen ---------------------------------------------------------------


@pytest.fixture
def views(db):
    now = timezone.now()
    rows = [PageView(time=now, path="/nl/", status=200, language="nl", ip="192.0.2.201") for _ in range(3)]
    rows += [PageView(time=now - timezone.timedelta(days=1), path="/en/privacy/", status=200, language="en",
                      ip="2001:db8::beef") for _ in range(2)]
    rows += [PageView(time=now, path="/en/nope/", status=404, language="en", ip="192.0.2.202")]
    PageView.objects.bulk_create(rows)


def _marketing_user() -> User:
    user = User.objects.create_user("marketer", "m@ilumen.be", "a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Marketing"))
    return User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_marketing_sees_anonymous_statistics_as_an_inline_chart_and_no_ip(client, views):
    client.force_login(_marketing_user())
    page = client.get("/en/admin/accesslog/pageview/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg class="stats-chart"' in html and "<script" not in html.split('<div id="content-main"')[1]
    assert 'style="' not in html.split('<svg class="stats-chart"')[1].split("</svg>")[0]
    assert "/nl/" in html and "/en/privacy/" in html and "/en/nope/" not in html  # a 404 is not a view
    for ip in ("192.0.2.201", "192.0.2.202", "2001:db8::beef", "192.0.2.0"):
        assert ip not in html
    one_page = client.get("/en/admin/accesslog/pageview/?days=7&path=/en/privacy/").content.decode()
    assert "Page views per day and language: /en/privacy/" in one_page
    row = PageView.objects.first()
    assert client.get(f"/en/admin/accesslog/pageview/{row.pk}/change/").status_code in (302, 403)


@pytest.mark.django_db
def test_no_admin_screen_shows_a_row_even_to_a_superuser(client, views):
    root = User.objects.create_superuser("root", "r@ilumen.be", "a-long-test-password")
    client.force_login(root)
    html = client.get("/en/admin/accesslog/pageview/").content.decode()
    assert "192.0.2.201" not in html
    row = PageView.objects.first()
    assert client.get(f"/en/admin/accesslog/pageview/{row.pk}/change/").status_code in (302, 403)
    assert client.get("/en/admin/accesslog/pageview/add/").status_code == 403


@pytest.mark.django_db
def test_statistics_need_the_view_permission(client, views):
    client.force_login(User.objects.create_user("nobody", "n@ilumen.be", "a-long-test-password", is_staff=True))
    assert client.get("/en/admin/accesslog/pageview/").status_code == 403


@ACCESSLOG_ONLY
def test_rows_logged_before_the_upgrade_lose_their_full_address_on_migration():
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("accesslog", "0002_marketing_sees_statistics")], [("accesslog", "0003_ip_truncated_when_written")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO accesslog_pageview (time, path, status, language, ip, ip_truncated) VALUES "
                "(now(), '/en/', 200, 'en', '192.0.2.77', false), "
                "(now(), '/nl/', 200, 'nl', '2001:db8:1234:5678::1', false)"
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
    assert dict(PageView.objects.values_list("path", "ip")) == {"/en/": "192.0.2.0", "/nl/": "2001:db8:1234::"}
