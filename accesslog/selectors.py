"""Anonymous statistics from the access log: counts per day, page and language. Never an IP."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from accesslog.models import PageView

# Only successful pages count as views; redirects, errors and probes are not visits.
VIEWED = Q(status__gte=200, status__lt=300)


@dataclass(frozen=True)
class DayCounts:
    day: datetime.date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class PageCounts:
    path: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Stats:
    start: datetime.date
    end: datetime.date
    path: str | None
    languages: list[str]
    days: list[DayCounts]
    pages: list[PageCounts] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(day.total for day in self.days)


def _languages(found: set[str]) -> list[str]:
    configured = [code for code, _name in settings.LANGUAGES]
    return configured + sorted(found - set(configured))


def page_view_stats(*, days: int = 30, path: str | None = None, top: int = 50) -> Stats:
    """Views per day and language (for one path or all), and the most viewed pages."""
    days = max(1, min(days, settings.ACCESS_LOG_KEEP_DAYS))
    tz = timezone.get_current_timezone()
    end = timezone.localdate()
    start = end - datetime.timedelta(days=days - 1)
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    viewed = PageView.objects.filter(VIEWED, time__gte=since)

    per_day = viewed.filter(path=path) if path else viewed
    counts: dict[datetime.date, dict[str, int]] = {}
    found: set[str] = set()
    rows = per_day.annotate(day=TruncDate("time", tzinfo=tz)).values("day", "language").annotate(n=Count("id"))
    for row in rows:
        language = row["language"] or "-"
        found.add(language)
        counts.setdefault(row["day"], {})[language] = row["n"]
    day_list = [
        DayCounts(start + datetime.timedelta(days=i), counts.get(start + datetime.timedelta(days=i), {}))
        for i in range(days)
    ]

    pages: dict[str, dict[str, int]] = {}
    for row in viewed.values("path", "language").annotate(n=Count("id")):
        language = row["language"] or "-"
        found.add(language)
        pages.setdefault(row["path"], {})[language] = row["n"]
    page_list = sorted((PageCounts(p, c) for p, c in pages.items()), key=lambda p: (-p.total, p.path))[:top]
    return Stats(start=start, end=end, path=path, languages=_languages(found), days=day_list, pages=page_list)
