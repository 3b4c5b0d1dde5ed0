"""The daily digest of data requests that need a person: counts and links, never a name or address."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from datarights.selectors import data_requests_deadlines
from mail.services import outbox_enqueue

DIGEST_TEMPLATE = "datarights/email/digest"


def requests_digest_send() -> int:
    """Mail each active member of DATARIGHTS_DIGEST_GROUP the counts (in the site's language), when
    the digest is switched on and something is due within a week or overdue. Returns the messages queued."""
    if not settings.DATARIGHTS_DIGEST_ENABLED:
        return 0
    deadlines = data_requests_deadlines()
    if not (deadlines.due_soon or deadlines.overdue):
        return 0
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        changelist = settings.SITE_URL + reverse("admin:datarights_datarequest_changelist")
    context = {
        "due_soon": deadlines.due_soon, "overdue": deadlines.overdue, "days": deadlines.days,
        "due_soon_url": f"{changelist}?deadline=soon", "overdue_url": f"{changelist}?deadline=overdue",
    }
    recipients = list(
        get_user_model().objects.filter(is_active=True, groups__name=settings.DATARIGHTS_DIGEST_GROUP)
        .exclude(email="").values_list("email", flat=True).distinct()
    )
    for email in recipients:
        outbox_enqueue(template=DIGEST_TEMPLATE, to_email=email, language=language, context=context)
    return len(recipients)
