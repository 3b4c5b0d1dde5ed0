"""The reaper of campaign deliveries and welcomes alike (newsletter.models.LeasedSend): a worker
that dies holding rows leaves their leases to run out, and the beat gives the rows back."""

from collections.abc import Callable

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from newsletter.models import LeasedSend

Status = LeasedSend.Status


def expired_leases_reap(*, rows: QuerySet, after_failing: Callable[[list[int]], None] | None = None) -> int:
    """Give those of `rows` whose lease ran out back to the queue; returns how many. A row that
    killed its worker again and again is not tried for ever: it fails, and `after_failing` gets
    the ids of the rows failed before the others are claimable again."""
    expired = rows.filter(status=Status.SENDING, lease_expires_at__lt=timezone.now())
    given_up = expired.filter(tries__gte=settings.NEWSLETTER_MAX_TRIES)
    failed = list(given_up.values_list("pk", flat=True))
    if failed:
        given_up.update(status=Status.FAILED, lease_expires_at=None, last_error="worker lost while sending, too often")
        if after_failing is not None:
            after_failing(failed)
    return expired.update(status=Status.PENDING, lease_expires_at=None, claimed_by="")
