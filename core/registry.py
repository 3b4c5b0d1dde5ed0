"""The one list of what the site holds for an e-mail address.

Every app that stores personal data registers a `Source`: an exporter (everything it holds
for an address, as JSON-ready records grouped by kind), an eraser (removes or anonymises
it), and optionally an address lister (so erasures can be applied again after a restore)
and a corrector. Export, erasure, the my-data pages and the admin all walk this registry,
so a new app is covered by registering here, and `check_registry` (a system check) fails
when a model that looks like personal data belongs to no registered source.

Each app registers in its `personal_data` module, found by autodiscovery from
DatarightsConfig.ready() (as the admin finds admin.py), beside its retention rules
(core.retention); sources for apps this project does not own are registered from
`datarights.personal_data`. The registry lives in core/ so that every app can declare itself
without importing datarights/, which walks it (export, erasure, the my-data pages).
"""

import datetime
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import models
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import retention

Records = dict[str, list[dict[str, Any]]]
Exporter = Callable[[str], Records]
# (address, created_before) → {kind: number of records removed or anonymised}. With
# created_before set, only what existed before that moment is erased: re-applying an old
# erasure after a restore must not undo a later, explicit opt-in.
Eraser = Callable[[str, datetime.datetime | None], dict[str, int]]


@dataclass(frozen=True)
class Kind:
    key: str
    explanation: Promise | str
    # False for data the site holds but cannot link to an address (the export explains it).
    linkable: bool = True


@dataclass(frozen=True)
class Correction:
    """Fields a visitor may correct: `fields(address)` gives form fields (with their current
    values as initial), `apply(address, cleaned)` stores them and returns the names changed."""

    fields: Callable[[str], dict[str, Any]]
    apply: Callable[[str, dict[str, Any]], list[str]]


class LegalBasis(models.TextChoices):
    """The grounds of GDPR Art. 6(1) this site relies on, by their point."""

    CONSENT = "a", _("Consent (GDPR Art. 6(1)(a))")
    CONTRACT = "b", _("Contract (GDPR Art. 6(1)(b))")
    LEGAL_OBLIGATION = "c", _("Legal obligation (GDPR Art. 6(1)(c))")
    LEGITIMATE_INTEREST = "f", _("Legitimate interest (GDPR Art. 6(1)(f))")


@dataclass(frozen=True)
class Basis:
    ground: LegalBasis
    # Why the ground applies; for a legitimate interest, the interest itself, named.
    explanation: Promise | str


class Processor(models.TextChoices):
    """Processors whose name depends on the deployment: the record names them where it is built
    (the hosting provider from the company details, the e-mail service from the mail settings)."""

    HOSTING = "hosting", _("The hosting provider (processor), which runs the website and its database")
    MAIL = "mail", _("The e-mail service (processor) that delivers our e-mails")


def _no_transfers() -> str:
    return settings.PROCESSING_TRANSFERS or gettext(
        "None: the data are not transferred to a country outside the European Economic Area."
    )


NO_TRANSFERS = lazy(_no_transfers, str)()


@dataclass(frozen=True)
class Processing:
    """What GDPR Art. 30(1) asks of a processing activity, for the record of processing
    activities. Every source declares one; `check_processing` fails on an empty field."""

    activity: Promise | str
    purposes: tuple[Promise | str, ...]
    bases: tuple[Basis, ...]
    subjects: tuple[Promise | str, ...]  # categories of data subjects
    data: tuple[Promise | str, ...]  # categories of personal data
    processors: tuple[Processor, ...]
    # Recipients other than processors; empty: none outside iLumen.
    recipients: tuple[Promise | str, ...] = ()
    transfers: Promise | str = NO_TRANSFERS
    # Keys of the core.retention rules that delete this activity's data (their periods are settings).
    retention: tuple[str, ...] = ()
    # How long what no rule deletes is kept, and why.
    kept: tuple[Promise | str, ...] = ()


@dataclass(frozen=True)
class Source:
    key: str
    title: Promise | str
    explanation: Promise | str
    models: tuple[str, ...]
    kinds: tuple[Kind, ...]
    export: Exporter
    erase: Eraser
    # What erasure keeps from this source, and why (shown before the visitor confirms).
    kept: tuple[Promise | str, ...] = ()
    # Every distinct address the source holds, streamed; None when it holds none.
    addresses: Callable[[], Iterable[str]] | None = None
    correction: Correction | None = None
    # (old address, new address): move what the source holds for the old address to the new one,
    # merging with what it already holds there (a self-service address change, confirmed by the
    # new address; datarights refuses a suppressed one before calling).
    address_change: Callable[[str, str], object] | None = None
    # When each of these normalized addresses last explicitly opted in (lifts an erasure
    # suppression); addresses that never did are left out. Batched: senders check many at once.
    opted_in_at: Callable[[Collection[str]], Mapping[str, datetime.datetime]] | None = None
    order: int = 100
    processing: Processing | None = None


@dataclass
class _Registry:
    sources: dict[str, Source] = field(default_factory=dict)
    exempt: dict[str, str] = field(default_factory=dict)


_registry = _Registry()


def register(source: Source) -> Source:
    """Register (or replace, on a second import) the source with this key."""
    _registry.sources[source.key] = source
    return source


def exempt(model_label: str, reason: str) -> None:
    """Declare that a model with address-like fields holds no data subject's personal data."""
    _registry.exempt[model_label.lower()] = reason


def sources() -> list[Source]:
    return sorted(_registry.sources.values(), key=lambda s: (s.order, s.key))


def get(key: str) -> Source:
    return _registry.sources[key]


# --- The check ------------------------------------------------------------------------

PERSONAL_FIELD_TYPES = (models.EmailField, models.GenericIPAddressField)
PERSONAL_FIELD_NAMES = {"email", "email_address", "to_email", "ip", "ip_address", "ip_truncated", "phone"}


def _project_app(app_config) -> bool:
    """Apps in this repository, not Django's or a library's."""
    return str(app_config.path).startswith(str(settings.BASE_DIR)) and ".venv" not in str(app_config.path)


def personal_fields(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.get_fields()
        if getattr(f, "concrete", False)
        and (isinstance(f, PERSONAL_FIELD_TYPES) or f.name in PERSONAL_FIELD_NAMES)
    ]


def uncovered_models() -> list[tuple[str, list[str]]]:
    """(model label, its address-like fields) for each project model no source covers."""
    covered = {label.lower() for source in _registry.sources.values() for label in source.models}
    missing = []
    for app_config in apps.get_app_configs():
        if not _project_app(app_config):
            continue
        for model in app_config.get_models():
            label = model._meta.label_lower
            if label in covered or label in _registry.exempt:
                continue
            found = personal_fields(model)
            if found:
                missing.append((model._meta.label, found))
    return missing


@checks.register()
def check_registry(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = [
        checks.Error(
            f"{label} has personal-data fields ({', '.join(fields)}) but no data-rights source covers it.",
            hint="Register an exporter and an eraser in the app's personal_data.py (see core/registry.py), "
            "or declare it exempt with a reason.",
            id="datarights.E001",
        )
        for label, fields in uncovered_models()
    ]
    known = {m._meta.label_lower for m in apps.get_models()}
    for source in _registry.sources.values():
        for label in source.models:
            if label.lower() not in known:
                errors.append(
                    checks.Warning(
                        f"Data-rights source {source.key!r} names {label}, which is not an installed model.",
                        id="datarights.W002",
                    )
                )
    return errors


def processing_gaps(source: Source) -> list[str]:
    """What the source's record of processing lacks: names of empty fields, unknown rule keys."""
    processing = source.processing
    if processing is None:
        return ["processing"]
    texts = {
        "activity": [processing.activity], "purposes": processing.purposes,
        "bases": [basis.explanation for basis in processing.bases], "subjects": processing.subjects,
        "data": processing.data, "processors": processing.processors, "transfers": [processing.transfers],
        "retention": [*processing.retention, *processing.kept],
    }
    gaps = [name for name, values in texts.items() if not values or not all(str(v).strip() for v in values)]
    if not all(str(text).strip() for text in processing.recipients):  # none is allowed, a blank one not
        gaps.append("recipients")
    known = {rule.key for rule in retention.rules()}
    return gaps + [f"retention rule {key!r}" for key in processing.retention if key not in known]


@checks.register()
def check_processing(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every source declares what the record of processing activities (GDPR Art. 30) needs."""
    return [
        checks.Error(
            f"Data-rights source {source.key!r} declares no or an incomplete processing record: "
            f"{', '.join(gaps)}.",
            hint="Fill in its registry.Processing (core/registry.py) in the app's personal_data.py.",
            id="datarights.E003",
        )
        for source in _registry.sources.values()
        if (gaps := processing_gaps(source))
    ]
