"""Fixed data for the chart tests: the same numbers before and after a change to core/charts.py."""

import datetime

from accesslog.selectors import DayCounts, Stats
from consent.selectors import WeeklyRate

FIRST_DAY = datetime.date(2026, 3, 2)


def access_stats() -> Stats:
    days = [
        DayCounts(FIRST_DAY + datetime.timedelta(days=n), {"nl": (n * 7) % 23, "en": (n * 3) % 11 if n % 4 else 0})
        for n in range(31)
    ]
    return Stats(start=days[0].day, end=days[-1].day, path=None, languages=["nl", "en"], days=days)


def weekly_rates() -> dict[str, list[WeeklyRate]]:
    mondays = [FIRST_DAY + datetime.timedelta(weeks=n) for n in range(12)]
    return {
        "analytics": [WeeklyRate(m, (n * 5) % 13, (n * 3) % 7, n % 2) for n, m in enumerate(mondays)],
        "social": [WeeklyRate(m, 0, 0) if n < 3 else WeeklyRate(m, n, 12 - n) for n, m in enumerate(mondays)],
        "video": [WeeklyRate(m, 1, 2, 1) for m in mondays[:5]],
    }
