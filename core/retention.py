"""Retention: the runner of every app's rules, and the batching helper they use.

Each app declares its rules beside its personal-data source, in `<app>/personal_data.py`
(found by autodiscovery from DatarightsConfig.ready()), and the rule's code lives there, in
the app that owns the rows. This module only holds them in order and runs them. The same
list drives the daily Celery task, the `retention_run` command and the page
/<lang>/privacy/retention/, so the page and the behaviour cannot disagree.

Every rule works in bounded batches: it selects at most `batch_size` primary keys, deletes
or updates exactly those, and repeats; memory does not grow with the number of rows and
no transaction or lock lasts longer than one batch.

It lives in core/ so that every app can declare its rules, mail/ at the bottom included,
without importing datarights/, which runs them (its daily task, command and page).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import ngettext

Progress = Callable[[str, int], None]


@dataclass
class RunContext:
    now: datetime.datetime
    batch_size: int
    progress: Progress
    dry_run: bool = False

    def cutoff(self, days: int) -> datetime.datetime:
        return self.now - datetime.timedelta(days=days)


@dataclass(frozen=True)
class Rule:
    key: str
    what: Promise
    setting: str  # the setting holding the period, in days
    counted_from: Promise
    why: Promise
    run: Callable[[RunContext], dict[str, int]]
    order: int = 100  # place on the retention page and in a run

    @property
    def days(self) -> int:
        return int(getattr(settings, self.setting))

    @property
    def period(self) -> str:
        return period_text(self.days)


_rules: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Register (or replace, on a second import) the rule with this key."""
    _rules[rule.key] = rule
    return rule


def period_text(days: int) -> str:
    """4 years, 6 months, 90 days: whole years or months when the number of days is one."""
    if days and days % 365 == 0:
        years = days // 365
        return ngettext("%(n)d year", "%(n)d years", years) % {"n": years}
    if days and days % 30 == 0 and days >= 60:
        months = days // 30
        return ngettext("%(n)d month", "%(n)d months", months) % {"n": months}
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


def delete_in_batches(queryset: QuerySet, ctx: RunContext, label: str) -> int:
    """Delete what `queryset` selects, `ctx.batch_size` primary keys at a time.

    Keyset pagination on the primary key (pk > the last one seen): each batch starts where
    the last ended instead of walking again over the index entries of rows just deleted,
    which a plain LIMIT would do until the next VACUUM (quadratic on a large purge).
    """
    model = queryset.model
    if ctx.dry_run:
        return queryset.count()
    total = last_pk = 0
    while True:
        ids = list(queryset.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[: ctx.batch_size])
        if not ids:
            return total
        model._base_manager.filter(pk__in=ids).delete()
        total += len(ids)
        last_pk = ids[-1]
        ctx.progress(label, total)


def rules() -> list[Rule]:
    return sorted(_rules.values(), key=lambda rule: (rule.order, rule.key))


def rule_run(rule: Rule, *, now: datetime.datetime | None = None, batch_size: int | None = None,
             progress: Progress | None = None, dry_run: bool = False) -> dict[str, int]:
    ctx = RunContext(
        now=now or timezone.now(), batch_size=batch_size or settings.RETENTION_BATCH_SIZE,
        progress=progress or (lambda _rule, _count: None), dry_run=dry_run,
    )
    return rule.run(ctx)


def retention_run_all(*, batch_size: int | None = None, progress: Progress | None = None,
                      only: list[str] | None = None, dry_run: bool = False) -> dict[str, dict[str, int]]:
    """Run every rule (or those named in `only`); {rule key: {what: count}}."""
    now = timezone.now()
    return {
        rule.key: rule_run(rule, now=now, batch_size=batch_size, progress=progress, dry_run=dry_run)
        for rule in rules()
        if not only or rule.key in only
    }
