"""What needs a person's attention, shown at the top of the admin index."""

import datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import ngettext

from datarights.models import DataRequest
from newsletter.models import Campaign
from newsletter.selectors import campaigns_waiting_for_a_person, with_complaint_counts

# Complaints about a campaign keep coming in for days after it was sent.
COMPLAINTS_WINDOW = datetime.timedelta(days=30)


def _campaigns_over_complaint_aim() -> int:
    counted = with_complaint_counts(Campaign.objects.filter(started_at__gte=timezone.now() - COMPLAINTS_WINDOW))
    return sum(1 for sent, complained in counted.values_list("sent", "complained")
               if sent and complained / sent > settings.NEWSLETTER_COMPLAINT_AIM)


def admin_warnings(user: AbstractBaseUser) -> list[str]:
    warnings = []
    if user.has_perm("newsletter.view_campaign"):
        stuck = campaigns_waiting_for_a_person().count()
        if stuck:
            warnings.append(ngettext(
                "%(count)d campaign is stuck or waits for a person.",
                "%(count)d campaigns are stuck or wait for a person.", stuck,
            ) % {"count": stuck})
        complained = _campaigns_over_complaint_aim()
        if complained:
            warnings.append(ngettext(
                "%(count)d campaign of the last 30 days drew spam complaints from more than %(aim)s of its "
                "recipients.",
                "%(count)d campaigns of the last 30 days drew spam complaints from more than %(aim)s of their "
                "recipients.", complained,
            ) % {"count": complained, "aim": f"{100 * settings.NEWSLETTER_COMPLAINT_AIM:g}%"})
    if user.has_perm("datarights.view_datarequest"):
        overdue = DataRequest.objects.overdue().count()
        if overdue:
            warnings.append(ngettext(
                "%(count)d data request is overdue (answer within one month).",
                "%(count)d data requests are overdue (answer within one month).", overdue,
            ) % {"count": overdue})
    return warnings
