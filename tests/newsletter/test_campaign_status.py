"""A campaign's status moves only as the table below allows, whoever asks (a person, a worker, beat).

Each action is tried from every stored status, with the rest of the row set so that only the
status can stand in its way: an allowed move happens, a forbidden one is refused and leaves the
row exactly as it was.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from newsletter.models import Campaign
from newsletter.services import campaign_status

from .factories import campaign_with_content

pytestmark = pytest.mark.django_db

STATUSES = ["draft", "scheduled", "sending", "paused", "on_hold", "sent", "cancelled"]
NOW = timezone.now()
IN_AN_HOUR = NOW + datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Case:
    name: str
    act: Callable[[int], bool]
    allowed_from: frozenset[str]
    target: str
    scheduled_at: datetime.datetime = IN_AN_HOUR
    started_at: datetime.datetime | None = None


def _long_ago() -> datetime.datetime:
    return NOW - datetime.timedelta(days=30)


# The specification, written out here rather than read from the module it checks.
CASES = [
    Case("schedule", lambda pk: campaign_status.campaign_schedule(campaign_id=pk, at=IN_AN_HOUR),
         frozenset({"draft", "scheduled", "on_hold"}), "scheduled"),
    Case("start_sending", lambda pk: campaign_status.campaign_start_sending(campaign_id=pk, now=NOW),
         frozenset({"scheduled"}), "sending", scheduled_at=NOW - datetime.timedelta(seconds=1)),
    Case("hold_overdue", lambda pk: campaign_status.campaign_hold_overdue(campaign_id=pk, now=NOW),
         frozenset({"scheduled"}), "on_hold", scheduled_at=_long_ago()),
    Case("pause", lambda pk: campaign_status.campaign_pause(campaign_id=pk),
         frozenset({"scheduled", "sending"}), "paused"),
    Case("pause_automatically",
         lambda pk: campaign_status.campaign_pause_automatically(campaign_id=pk, note="too many failures"),
         frozenset({"sending"}), "paused"),
    Case("resume before it started", lambda pk: campaign_status.campaign_resume(campaign_id=pk),
         frozenset({"paused"}), "scheduled"),
    Case("resume while sending", lambda pk: campaign_status.campaign_resume(campaign_id=pk),
         frozenset({"paused"}), "sending", started_at=_long_ago()),
    Case("finish", lambda pk: campaign_status.campaign_finish_if_done(campaign_id=pk),
         frozenset({"sending"}), "sent"),
    Case("cancel", lambda pk: campaign_status.campaign_cancel(campaign_id=pk),
         frozenset({"draft", "scheduled", "sending", "paused", "on_hold"}), "cancelled"),
]


def _row(pk: int) -> dict:
    return Campaign.objects.filter(pk=pk).values().get()


@pytest.mark.parametrize("source", STATUSES)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_transition_is_allowed_or_refused_as_the_table_says(topic, case: Case, source: str):
    campaign = campaign_with_content(topic)
    # populated, and no delivery open: nothing but the status keeps "finish" from happening.
    Campaign.objects.filter(pk=campaign.pk).update(
        status=source, scheduled_at=case.scheduled_at, started_at=case.started_at, populated=True
    )
    before = _row(campaign.pk)

    moved = case.act(campaign.pk)

    after = _row(campaign.pk)
    if source in case.allowed_from:
        assert moved is True
        assert after["status"] == case.target
    else:
        assert moved is False
        assert after == before


def test_the_table_names_every_stored_status():
    assert sorted(STATUSES) == sorted(Campaign.Status.values)


def test_a_campaign_found_long_overdue_is_held_not_sent_and_a_timely_one_is_sent_not_held(topic, settings):
    settings.NEWSLETTER_OVERDUE_SECONDS = 3600
    late, timely = campaign_with_content(topic), campaign_with_content(topic)
    late_time = NOW - datetime.timedelta(hours=2)
    Campaign.objects.filter(pk=late.pk).update(status="scheduled", scheduled_at=late_time)
    Campaign.objects.filter(pk=timely.pk).update(status="scheduled", scheduled_at=NOW - datetime.timedelta(minutes=5))

    assert campaign_status.campaign_start_sending(campaign_id=late.pk, now=NOW) is False
    assert campaign_status.campaign_hold_overdue(campaign_id=timely.pk, now=NOW) is False
    assert (_row(late.pk)["status"], _row(timely.pk)["status"]) == ("scheduled", "scheduled")

    assert campaign_status.campaign_hold_overdue(campaign_id=late.pk, now=NOW) is True
    assert campaign_status.campaign_start_sending(campaign_id=timely.pk, now=NOW) is True
    late_row = _row(late.pk)
    # The note tells the person which time was missed.
    assert late_row["status"] == "on_hold"
    assert timezone.localtime(late_time).strftime("%H:%M") in late_row["status_note"]
    assert _row(timely.pk)["status"] == "sending" and _row(timely.pk)["started_at"] == NOW
