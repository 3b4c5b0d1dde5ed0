"""The public archive: which campaigns may be published, and each one's web address.

A campaign's web version is the same page for everyone (no greeting by name, no personal link),
so its address can be written into every message of the campaign. The address is set once here,
from the subject, and a trigger (migration 0009) keeps it from ever changing. What visitors see
is read by `newsletter.selectors.archive_campaigns` and `archive_campaign`.
"""

import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.pagecache import page_cache_clear
from newsletter.models import PRIVACY_TOPIC_SLUG, Campaign, CampaignContent, Topic

# Room for a "-<n>" suffix within the field's 80 characters.
SLUG_BASE_MAX = 72
# Stand-in when a subject has nothing a web address can hold (only punctuation or emoji).
SLUG_FALLBACK = "newsletter"
# Concurrent publications may claim the same address; the loser tries the next free one.
SLUG_ATTEMPTS = 5


def campaign_archive_check(*, topics: Iterable[Topic]) -> None:
    """Refuse publishing a campaign for these topics: privacy notices never, other topics only if
    someone marked their campaigns as public (every topic of the campaign)."""
    for topic in topics:
        if topic.slug == PRIVACY_TOPIC_SLUG:
            raise ValidationError(_("Privacy statement notices are never published in the archive."))
        if not topic.archive_public:
            raise ValidationError(
                _("Campaigns of the topic “%(topic)s” may not be published in the archive. Whoever manages the "
                  "topics can allow it on the topic's page.") % {"topic": topic.name()}
            )


def archive_pages_clear() -> None:
    """Cached pages may show what the archive no longer holds (or miss what it now holds): clear
    them once the change is committed."""
    transaction.on_commit(page_cache_clear)


def _subject(campaign_id: int) -> str:
    """The subject in the site's default language, else in the first language that has one."""
    subjects = dict(CampaignContent.objects.filter(campaign_id=campaign_id).values_list("language", "subject"))
    order = [settings.LANGUAGE_CODE, *(code for code, _name in settings.LANGUAGES)]
    return next((subjects[code] for code in order if subjects.get(code)), "")


def _slug_base(subject: str) -> str:
    """Lower-case ASCII words joined by single hyphens (the form the table's check admits)."""
    words = re.sub(r"[^a-z0-9]+", "-", slugify(subject)).strip("-")
    return words[:SLUG_BASE_MAX].strip("-") or SLUG_FALLBACK


def _free_slug(base: str) -> str:
    taken = set(Campaign.objects.filter(archive_slug__startswith=base).values_list("archive_slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def campaign_archive_slug_ensure(*, campaign_id: int) -> str | None:
    """Give a campaign marked "publish in the archive" its web address, made from its subject,
    if it has none yet (a campaign without any content gets it once it has one). Returns the
    address, or None."""
    row = Campaign.objects.filter(pk=campaign_id).values("archive_published", "archive_slug").first()
    if row is None or row["archive_slug"] or not row["archive_published"]:
        return row["archive_slug"] if row else None
    subject = _subject(campaign_id)
    if not subject:
        return None
    base = _slug_base(subject)
    for _attempt in range(SLUG_ATTEMPTS):
        try:
            with transaction.atomic():
                set_now = Campaign.objects.filter(pk=campaign_id, archive_slug__isnull=True).update(
                    archive_slug=_free_slug(base)
                )
        except IntegrityError:  # another campaign took that address in the meantime
            continue
        if set_now:
            archive_pages_clear()
        return Campaign.objects.filter(pk=campaign_id).values_list("archive_slug", flat=True).first()
    raise IntegrityError(f"no free web address for campaign {campaign_id} after {SLUG_ATTEMPTS} attempts")


def campaign_archive_saved(*, campaign_id: int, published_changed: bool) -> str | None:
    """After a person saved a campaign (and its contents): give it its web address if it is to
    be published, and clear cached pages when it was published or taken off the website."""
    slug = campaign_archive_slug_ensure(campaign_id=campaign_id)
    if published_changed:
        archive_pages_clear()
    return slug
