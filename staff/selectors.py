"""What needs a person's attention, shown at the top of the admin index."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from datarights.selectors import data_requests_deadlines
from newsletter.selectors import campaigns_over_complaint_aim_count, campaigns_waiting_for_a_person


def admin_warnings(user: AbstractBaseUser) -> list[str]:
    """What needs a person, most urgent first: the GDPR's deadlines lead."""
    warnings: list[str] = []
    if user.has_perm("datarights.view_datarequest"):
        warnings += _data_request_warnings()
    if user.has_perm("newsletter.view_campaign"):
        stuck = campaigns_waiting_for_a_person().count()
        if stuck:
            warnings.append(ngettext(
                "%(count)d campaign is stuck or waits for a person.",
                "%(count)d campaigns are stuck or wait for a person.", stuck,
            ) % {"count": stuck})
        complained = campaigns_over_complaint_aim_count()
        if complained:
            warnings.append(ngettext(
                "%(count)d campaign of the last 30 days drew spam complaints from more than %(aim)s of its "
                "recipients.",
                "%(count)d campaigns of the last 30 days drew spam complaints from more than %(aim)s of their "
                "recipients.", complained,
            ) % {"count": complained, "aim": f"{100 * settings.NEWSLETTER_COMPLAINT_AIM:g}%"})
    return warnings


def _data_request_warnings() -> list[SafeString]:
    """Counts linking to the request list filtered to them."""
    deadlines = data_requests_deadlines()
    changelist = reverse("admin:datarights_datarequest_changelist")
    warnings = []
    if deadlines.overdue:
        warnings.append(format_html('<a href="{}?deadline=overdue">{}</a>', changelist, ngettext(
            "%(count)d data request is overdue (answer within one month).",
            "%(count)d data requests are overdue (answer within one month).", deadlines.overdue,
        ) % {"count": deadlines.overdue}))
    if deadlines.due_soon:
        warnings.append(format_html('<a href="{}?deadline=soon">{}</a>', changelist, ngettext(
            "%(count)d data request is due within %(days)d days.",
            "%(count)d data requests are due within %(days)d days.", deadlines.due_soon,
        ) % {"count": deadlines.due_soon, "days": deadlines.days}))
    return warnings
