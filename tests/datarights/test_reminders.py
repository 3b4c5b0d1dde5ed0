"""Reminders: requests due within a week and overdue ones lead the admin index of whoever handles
them, as counts linking to the filtered list; an optional daily digest to the Support group holds
counts and links only."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client

from datarights import tasks
from datarights.models import DataRequest
from datarights.services import request_register, workflow
from datarights.services.reminders import requests_digest_send
from mail.models import OutboxMessage

from .conftest import delivered

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)
LIST = "/en/admin/datarights/datarequest/"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def _due(days: int, email: str) -> DataRequest:
    """An open request due `days` from today (negative: overdue)."""
    data_request = request_register(kind="access", email=email, received_on=TODAY - datetime.timedelta(days=60))
    DataRequest.objects.filter(pk=data_request.pk).update(due_on=TODAY + datetime.timedelta(days=days))
    return data_request


@pytest.fixture
def requests() -> dict[str, DataRequest]:
    made = {
        "overdue": _due(-1, "late.person@example.org"),
        "today": _due(0, "today.person@example.org"),
        "in a week": _due(7, "week.person@example.org"),
        "later": _due(8, "later.person@example.org"),
    }
    closed = _due(-5, "closed.person@example.org")
    workflow.request_close(data_request=closed, outcome="done", actor=None)
    return made


def _panel(page: str, role: str) -> str:
    """The role's panel on the admin index (staff/panels.py), or nothing."""
    marker = f'id="panel-{role}"'
    return page.split(marker)[1].split("</section>")[0] if marker in page else ""


def test_the_admin_index_leads_with_counts_that_link_to_the_filtered_list(requests, group_member):
    support = Client()
    support.force_login(group_member("Support"))
    panel = _panel(support.get("/en/admin/").content.decode(), "support")
    assert f'<li><a href="{LIST}?deadline=overdue">1 data request is overdue</a></li>' in panel
    assert f'<a href="{LIST}?deadline=soon">2 data requests are due within 7 days</a>' in panel
    assert panel.index("overdue") < panel.index("due within") < panel.index("contact message")
    dutch = _panel(support.get("/nl/admin/").content.decode(), "support")
    assert "2 gegevensverzoeken moeten binnen 7 dagen beantwoord zijn" in dutch

    def listed(query: str) -> set[int]:
        return set(support.get(f"{LIST}?{query}").context["cl"].result_list.values_list("pk", flat=True))

    assert listed("deadline=overdue") == {requests["overdue"].pk}
    assert listed("deadline=soon") == {requests["today"].pk, requests["in a week"].pk}

    marketing = Client()
    marketing.force_login(group_member("Marketing"))
    assert "data request" not in marketing.get("/en/admin/").content.decode()


def test_nothing_due_means_zero_counts(group_member):
    _due(8, "later.person@example.org")
    support = Client()
    support.force_login(group_member("Support"))
    panel = _panel(support.get("/en/admin/").content.decode(), "support")
    assert "0 data requests are overdue" in panel and "0 data requests are due within 7 days" in panel


# --- The daily digest ---------------------------------------------------------------------------------


def test_the_digest_is_off_by_default(requests, group_member):
    group_member("Support")
    assert settings.DATARIGHTS_DIGEST_ENABLED is False
    tasks.requests_digest()
    assert requests_digest_send() == 0
    assert not OutboxMessage.objects.exists()
    assert settings.CELERY_BEAT_SCHEDULE["datarights-digest"]["task"] == tasks.requests_digest.name


def test_the_digest_goes_to_the_support_group_with_counts_and_links_only(requests, group_member, settings):
    settings.DATARIGHTS_DIGEST_ENABLED = True
    member = group_member("Support")
    away = User.objects.create_user("away", "away@ilumen.be", "a-long-test-password", is_active=False)
    no_address = User.objects.create_user("noaddress", "", "a-long-test-password")
    for user in (away, no_address):
        user.groups.add(Group.objects.get(name="Support"))
    group_member("Legal")

    tasks.requests_digest()
    [message] = delivered()
    assert message.to == [member.email]
    [(html, _type)] = message.alternatives
    for text in (message.body, html):
        assert "http://testserver/nl/admin/datarights/datarequest/?deadline=overdue" in text
        assert "http://testserver/nl/admin/datarights/datarequest/?deadline=soon" in text
        assert "1 te laat" in text and "2 binnen 7 dagen te beantwoorden" in text
        for data_request in requests.values():
            address = DataRequest.objects.get(pk=data_request.pk).subject_email
            assert address.split("@")[0] not in text and "person" not in text
        assert member.email not in text and "away@" not in text  # no staff addresses either
    assert message.subject == "Gegevensverzoeken die aandacht vragen"


def test_no_digest_when_nothing_is_due(group_member, settings):
    settings.DATARIGHTS_DIGEST_ENABLED = True
    group_member("Support")
    _due(8, "later.person@example.org")
    assert requests_digest_send() == 0
    assert not delivered()
