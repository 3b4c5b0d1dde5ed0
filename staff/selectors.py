"""What needs a person's attention, shown at the top of the admin index."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import ngettext

from newsletter.selectors import campaigns_over_complaint_aim_count, campaigns_waiting_for_a_person


def admin_warnings(user: AbstractBaseUser) -> list[str]:
    """Campaigns in trouble, above the panels (staff.panels), which carry the data requests' deadlines."""
    warnings: list[str] = []
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

