"""The admin index's panels: per role, what needs a person, as counts linking to the list behind each.

A staff member sees the panel of every role whose defining right they hold (so one in two groups sees
both; a superuser sees all). The counts come from each app's selectors, at most one query per table;
nothing here is cached, as some counts depend on who looks (the drafts they may review).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from consent.selectors import ConsentShares, consent_shares, cookie_audit_latest
from contact.selectors import messages_unhandled_count
from datarights.selectors import Deadlines, data_requests_deadlines
from newsletter.selectors import newsletter_counts
from privacy.selectors import versions_awaiting_review

# What "of 30 days" counts from: midnight, this many days ago, in the site's time zone.
WINDOW_DAYS = 30

# The right that shows a role's panel: one each role holds and the others do not (staff/roles.py).
PANEL_RIGHTS = {
    "legal": "privacy.publish_version",
    "marketing": "newsletter.view_campaign",
    "support": "contact.view_contactmessage",
}


@dataclass(frozen=True)
class Entry:
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    entries: list[Entry]
    shares: ConsentShares | None = None
    shares_url: str | None = None  # the records behind the rates, for those who may see them
    since: datetime.datetime | None = None


def _link(name: str, *args: int, **query: str) -> str:
    url = reverse(f"admin:{name}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


def window_start() -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=WINDOW_DAYS)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def admin_panels(*, user: AbstractBaseUser) -> list[Panel]:
    """The panels this staff member's rights show, each read once however many panels use it."""
    since = window_start()
    deadlines = cache(data_requests_deadlines)
    shares = cache(lambda: consent_shares(since=since, language=get_language() or "en"))
    build: dict[str, Callable[[], Panel]] = {
        "legal": lambda: _legal(user, since, deadlines(), shares()),
        "marketing": lambda: _marketing(since, shares()),
        "support": lambda: _support(deadlines()),
    }
    return [make() for key, make in build.items() if user.has_perm(PANEL_RIGHTS[key])]


def _deadline_entries(deadlines: Deadlines) -> list[Entry]:
    """Overdue first, then due soon: the GDPR's clock leads."""
    return [
        Entry(ngettext(
            "%(count)d data request is overdue", "%(count)d data requests are overdue", deadlines.overdue,
        ) % {"count": deadlines.overdue}, _link("datarights_datarequest_changelist", deadline="overdue")),
        Entry(ngettext(
            "%(count)d data request is due within %(days)d days",
            "%(count)d data requests are due within %(days)d days", deadlines.due_soon,
        ) % {"count": deadlines.due_soon, "days": deadlines.days},
            _link("datarights_datarequest_changelist", deadline="soon")),
    ]


def _since_text(since: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(since))


def _legal(user: AbstractBaseUser, since: datetime.datetime, deadlines: Deadlines, shares: ConsentShares) -> Panel:
    drafts = versions_awaiting_review(user_id=user.pk).count()
    entries = [
        Entry(ngettext(
            "%(count)d statement draft waits for your second pair of eyes",
            "%(count)d statement drafts wait for your second pair of eyes", drafts,
        ) % {"count": drafts}, _link("privacy_version_changelist", review="waiting")),
        *_deadline_entries(deadlines),
    ]
    audit = cookie_audit_latest()
    if audit is None:
        entries.append(Entry(_("No cookie audit has run yet")))
    else:
        entries.append(Entry(ngettext(
            "%(count)d error in the latest cookie audit (%(date)s)",
            "%(count)d errors in the latest cookie audit (%(date)s)", audit.errors,
        ) % {"count": audit.errors, "date": formats.date_format(timezone.localtime(audit.created_at))},
            _link("consent_cookieaudit_change", audit.pk)))
    records_url = (_link("consent_consentrecord_changelist", created_at__gte=since.isoformat())
                   if user.has_perm("consent.view_consentrecord") else None)
    return Panel("legal", _("Legal"), entries, shares=shares, shares_url=records_url, since=since)


def _marketing(since: datetime.datetime, shares: ConsentShares) -> Panel:
    counts = newsletter_counts(since=since)
    date = _since_text(since)
    start = since.isoformat()
    campaigns = "newsletter_campaign_changelist"
    bounces = "newsletter_bounce_changelist"
    entries = [
        Entry(ngettext(
            "%(count)d subscriber joined since %(date)s", "%(count)d subscribers joined since %(date)s", counts.joined,
        ) % {"count": counts.joined, "date": date}, _link(
            "newsletter_subscriber_changelist", created_at__gte=start, subscriptions__status__exact="confirmed",
        )),
        Entry(ngettext(
            "%(count)d subscriber left since %(date)s", "%(count)d subscribers left since %(date)s", counts.left,
        ) % {"count": counts.left, "date": date}, _link("newsletter_subscriber_changelist", left_since=start)),
        Entry(ngettext("%(count)d campaign is sending", "%(count)d campaigns are sending", counts.sending)
              % {"count": counts.sending}, _link(campaigns, status__exact="sending")),
        Entry(ngettext("%(count)d campaign is paused", "%(count)d campaigns are paused", counts.paused)
              % {"count": counts.paused}, _link(campaigns, status__exact="paused")),
        Entry(ngettext(
            "%(count)d campaign is overdue and waits for a person",
            "%(count)d campaigns are overdue and wait for a person", counts.on_hold,
        ) % {"count": counts.on_hold}, _link(campaigns, status__exact="on_hold")),
        Entry(ngettext(
            "%(count)d bounce since %(date)s", "%(count)d bounces since %(date)s", counts.bounces,
        ) % {"count": counts.bounces, "date": date}, _link(bounces, kind__in="hard,soft", occurred_at__gte=start)),
        Entry(ngettext(
            "%(count)d spam complaint since %(date)s", "%(count)d spam complaints since %(date)s", counts.complaints,
        ) % {"count": counts.complaints, "date": date},
            _link(bounces, kind__exact="complaint", occurred_at__gte=start)),
    ]
    # Aggregate only: Marketing may not read the consent records themselves.
    return Panel("marketing", _("Marketing"), entries, shares=shares, since=since)


def _support(deadlines: Deadlines) -> Panel:
    unhandled = messages_unhandled_count()
    entries = [
        *_deadline_entries(deadlines),
        Entry(ngettext(
            "%(count)d data request is open", "%(count)d data requests are open", deadlines.open,
        ) % {"count": deadlines.open}, _link("datarights_datarequest_changelist", status__in="open,in_progress")),
        Entry(ngettext(
            "%(count)d contact message is not handled yet", "%(count)d contact messages are not handled yet", unhandled,
        ) % {"count": unhandled}, _link("contact_contactmessage_changelist", handled__exact="0")),
    ]
    return Panel("support", _("Support"), entries)
