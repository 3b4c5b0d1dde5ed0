"""Reads for data rights: the export, the erasure preview, suppression, my-data sessions."""

import datetime
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import registry
from core.email import email_normalize
from datarights.models import (
    AccessLink,
    DataRequest,
    DataRequestEvent,
    DataRequestNote,
    ProfileActivity,
    RetentionNotice,
)


def personal_data_export(address: str) -> dict[str, Any]:
    """Everything the site holds for an address, with an explanation of each part.

    Explanations are in the active language; keys and values are the stored data as is.
    """
    address = email_normalize(address)
    parts = []
    for source in registry.sources():
        records = source.export(address)
        parts.append(
            {
                "key": source.key,
                "title": str(source.title),
                "explanation": str(source.explanation),
                "kinds": [
                    {
                        "key": kind.key,
                        "explanation": str(kind.explanation),
                        "linkable": kind.linkable,
                        "records": records.get(kind.key, []),
                    }
                    for kind in source.kinds
                ],
            }
        )
    return {
        "format": "ilumen-personal-data/1",
        "about": _(
            "Everything the iLumen website holds for the e-mail address below, at the time shown. Each part says "
            "what it is and why we keep it; times are in UTC (ISO 8601)."
        ),
        "email": address,
        "generated_at": timezone.now().astimezone(datetime.UTC).isoformat(),
        "language": get_language() or settings.LANGUAGE_CODE,
        "parts": parts,
    }


@dataclass(frozen=True)
class PreviewLine:
    source_title: str
    kind_key: str
    explanation: str
    count: int


@dataclass(frozen=True)
class ErasurePreview:
    removed: list[PreviewLine]
    kept: list[str]

    @property
    def total(self) -> int:
        return sum(line.count for line in self.removed)


def erasure_preview(address: str) -> ErasurePreview:
    """What erasure would remove (counted per kind) and what it keeps, and why."""
    removed, kept = [], []
    for source in registry.sources():
        records = source.export(address)
        for kind in source.kinds:
            count = len(records.get(kind.key, []))
            if kind.linkable and count:
                removed.append(PreviewLine(str(source.title), kind.key, str(kind.explanation), count))
        kept.extend(str(text) for text in source.kept)
    return ErasurePreview(removed=removed, kept=kept)


def activity_latest(*, hashes: Collection[str]) -> dict[str, datetime.datetime]:
    """Per address hash: the latest data request or answer to the inactivity e-mail ('stay');
    hashes with neither are left out. Activity that keeps a newsletter profile."""
    latest: dict[str, datetime.datetime] = dict(
        DataRequest.objects.filter(subject_hash__in=hashes).values("subject_hash")
        .annotate(latest=Max("created_at")).values_list("subject_hash", "latest")
    )
    for hashed, moment in ProfileActivity.objects.filter(address_hash__in=hashes).values_list(
        "address_hash", "last_active_at"
    ):
        latest[hashed] = max(moment, latest.get(hashed, moment))
    return latest


def inactivity_warned_at(*, hashes: Collection[str]) -> dict[str, datetime.datetime]:
    """Per address hash: when the inactivity e-mail went out, for those that got one."""
    return dict(RetentionNotice.objects.filter(address_hash__in=hashes).values_list("address_hash", "warned_at"))


def access_link_for_session(link_id: str | None) -> AccessLink | None:
    """The opened link a my-data session cookie names, while its session lasts."""
    if not link_id:
        return None
    try:
        key = uuid.UUID(hex=link_id)
    except ValueError:
        return None
    return AccessLink.objects.filter(
        pk=key, used_at__isnull=False, session_expires_at__gt=timezone.now()
    ).first()


@dataclass(frozen=True)
class Deadlines:
    due_soon: int
    overdue: int
    days: int = DataRequest.DUE_SOON_DAYS
    open: int = 0  # every open request, those due soon and overdue included


def data_requests_deadlines() -> Deadlines:
    """Open requests due within DUE_SOON_DAYS, past their due date (GDPR Art. 12(3)), and all open ones:
    one query, as the admin index shows them on every visit."""
    requests = DataRequest.objects
    counts = requests.open().aggregate(
        due_soon=Count("pk", filter=Q(pk__in=requests.due_soon().values("pk"))),
        overdue=Count("pk", filter=Q(pk__in=requests.overdue().values("pk"))),
        open=Count("pk"),
    )
    return Deadlines(**counts)


def request_notes(data_request: DataRequest) -> list[DataRequestNote]:
    return list(data_request.notes.all())


def request_trail(data_request: DataRequest) -> list[DataRequestEvent]:
    return list(data_request.events.all())
