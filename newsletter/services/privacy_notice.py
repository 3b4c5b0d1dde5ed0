"""Announcing a material change of the privacy statement to every confirmed subscriber.

A dedicated service message without marketing content (WP29/EDPB transparency guidelines,
WP260 rev.01), sent by the campaign engine as a campaign of the kind "privacy notice": its
audience is everyone confirmed for any topic, each once; suppressed addresses are skipped, and it
keeps List-Unsubscribe (one click leaves every topic) and the sender's identity. Offered by the
statement's publish page for a material change of the statement the newsletter's consent text
links (privacy.selectors.version_announceable); a minor change announces nothing.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from newsletter.messages import site_url
from newsletter.models import Campaign, CampaignContent
from newsletter.selectors import campaign_audience
from newsletter.services import campaign_status
from privacy.selectors import ChangeInLanguage, statement_change, version_announceable


@dataclass(frozen=True)
class NoticeText:
    subject: str
    body: str  # Markdown, as a campaign's


@dataclass(frozen=True)
class PrivacyNoticeDraft:
    texts: dict[str, NoticeText]  # per language updated for this change; readers of another get the first
    not_updated: list[ChangeInLanguage]  # languages whose version in force predates this change
    recipients: int


def _text(change: ChangeInLanguage) -> NoticeText:
    """The notice in the change's language: what changed (the version's change note) and where to
    see it (the visitor diff of the two versions, or the statement for a first version)."""
    version = change.version
    with translation.override(change.language):
        statement = site_url("privacy:statement", change.language)
        parts = [
            _("We have published a new version of our privacy statement (version %(number)s, last amended "
              "%(date)s).") % {"number": version.number, "date": version.last_amended.isoformat()},
            "**" + _("What changed") + "**",
            version.change_summary or _("We have updated our privacy statement."),
        ]
        if change.previous is not None:
            diff = f"{site_url('privacy:diff', change.language)}?from={change.previous.number}&to={version.number}"
            parts.append(_("See every change: %(link)s") % {"link": f"[{diff}]({diff})"})
        parts += [
            _("Read the full statement: %(link)s") % {"link": f"[{statement}]({statement})"},
            _("This is a service message: you receive it because you subscribe to our e-mails. It contains no "
              "advertising."),
        ]
        return NoticeText(subject=_("Our privacy statement has changed"), body="\n\n".join(parts))


def _changes(version_id: int) -> list[ChangeInLanguage]:
    changes = statement_change(version_id=version_id)
    announced = next(change.version for change in changes if change.version.pk == version_id)
    if not version_announceable(announced):
        raise ValidationError(_("Only a material change of the statement the newsletter links is announced."))
    return changes


def _recipients() -> int:
    return campaign_audience(campaign=Campaign(kind=Campaign.Kind.PRIVACY_NOTICE)).count()


def privacy_notice_draft(*, version_id: int) -> PrivacyNoticeDraft:
    """The notice as it would go: a text per updated language, prefilled; the languages not yet
    updated (warned about); how many people it reaches."""
    changes = _changes(version_id)
    return PrivacyNoticeDraft(
        texts={change.language: _text(change) for change in changes if change.updated},
        not_updated=[change for change in changes if not change.updated],
        recipients=_recipients(),
    )


def privacy_notice_send(
    *, version_id: int, texts: dict[str, NoticeText], user: AbstractBaseUser | None,
) -> Campaign:
    """Send the notice now: a campaign of the kind "privacy notice" with these texts (per language
    updated for the change), started through the campaign engine. One notice per version."""
    changes = _changes(version_id)
    updated = {change.language for change in changes if change.updated}
    texts = {language: text for language, text in texts.items() if language in updated}
    if not texts or any(not text.subject.strip() or not text.body.strip() for text in texts.values()):
        raise ValidationError(_("Write the subject and text of the notice in every language shown."))
    version = next(change.version for change in changes if change.version.pk == version_id)
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                name=_("Privacy notice: %(version)s") % {"version": version},
                kind=Campaign.Kind.PRIVACY_NOTICE, announces_id=version_id,
                created_by=user if user is not None and user.is_authenticated else None,
            )
            CampaignContent.objects.bulk_create([
                CampaignContent(campaign=campaign, language=language, subject=text.subject.strip(),
                                body=text.body.strip())
                for language, text in texts.items()
            ])
            campaign_status.campaign_schedule(campaign_id=campaign.pk)
    except IntegrityError:
        raise ValidationError(_("This change has already been announced.")) from None
    return campaign
