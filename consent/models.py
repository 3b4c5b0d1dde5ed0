"""Cookie consent: the cookie registry, its revisions, and a record of every decision.

The registry (categories and their cookies, in Dutch and English) is what the cookie
policy, the banner and the server-side cookie expiry are built from. A material change
to it (see `consent.services.registry_material`) makes a new `RegistryRevision`
holding a snapshot of the whole registry, so that every earlier cookie policy stays
readable and every consent record points at the exact policy the visitor saw.

Revisions and consent records are evidence: a trigger (privacy migration 0005) refuses any
UPDATE of them, whatever the caller. Records may still be deleted (retention, erasure).

The tables keep the names they had when these models were part of the privacy app, and
with them that trigger.
"""

import re
import uuid
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A category key is used in the consent cookie, in records and in templates.
CATEGORY_KEY_REGEX = r"^[a-z][a-z0-9_]{0,39}$"
# RFC 6265 cookie-name characters; "*" doubles as a wildcard for a family such as `_ga_*`.
COOKIE_NAME_REGEX = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$"
# Cookies that track visitors (Google Analytics, Meta's pixel, the old urchin.js), in the
# registry's own notation: such a cookie is never strictly necessary, whatever a category says.
TRACKING_COOKIE_PATTERNS = ("_ga", "_ga_*", "_gid", "_gat*", "_fbp", "_fbc", "__utm*", "_pk_*")


def _patterns_overlap(first: str, second: str) -> bool:
    """Whether some cookie name matches both patterns ('*' stands for any characters, '' included),
    so that '_g*' or '*' is caught as surely as '_ga' itself. Case is ignored: erring towards refusal."""
    a, b = first.casefold(), second.casefold()

    @cache
    def overlap(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            return overlap(i + 1, j) or (j < len(b) and overlap(i, j + 1))
        if j < len(b) and b[j] == "*":
            return overlap(i, j + 1) or (i < len(a) and overlap(i + 1, j))
        return i < len(a) and j < len(b) and a[i] == b[j] and overlap(i + 1, j + 1)

    return overlap(0, 0)


def is_tracking_cookie(name: str) -> bool:
    return any(_patterns_overlap(name, pattern) for pattern in TRACKING_COOKIE_PATTERNS)


def _not_necessary_reason(name: str, domain: str) -> str | None:
    """Why a cookie may not be in a strictly necessary category, or None if it may."""
    if domain.strip():
        return "domain"
    if is_tracking_cookie(name):
        return "tracker"
    return None


class LifetimeUnit(models.TextChoices):
    SESSION = "session", _("until the browser closes")
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")
    YEARS = "years", _("years")


# The longest each unit can mean on a calendar (a month of 31 days, a leap year), so that a cookie is
# reported as living too long only when no reading of its declared lifetime covers it.
UNIT_SECONDS = {
    LifetimeUnit.MINUTES: 60, LifetimeUnit.HOURS: 3600, LifetimeUnit.DAYS: 86400, LifetimeUnit.WEEKS: 7 * 86400,
    LifetimeUnit.MONTHS: 31 * 86400, LifetimeUnit.YEARS: 366 * 86400,
}


def lifetime_seconds(amount: int | None, unit: str) -> int | None:
    """A declared maximum lifetime in seconds: 0 for a cookie that ends with the browser session,
    None when nothing (or nothing complete) is declared."""
    if unit == LifetimeUnit.SESSION:
        return 0
    if unit in UNIT_SECONDS and amount:
        return amount * UNIT_SECONDS[unit]
    return None


class IntegrationKind(models.TextChoices):
    """Third-party code the site can be configured with (see `Integration`)."""

    GA4 = "ga4", _("Google Analytics 4")
    MATOMO = "matomo", _("Matomo")
    FACEBOOK = "facebook", _("Facebook's own share button")
    X = "x", _("X's (Twitter's) own share button")
    LINKEDIN = "linkedin", _("LinkedIn's own share button")


# "G-" and letters and digits, as Google Analytics shows it under Admin > Data streams.
GA_MEASUREMENT_ID_REGEX = r"^G-[A-Z0-9]{1,20}$"
# An https origin only (host and optional port): the tracker's script and endpoint are fixed paths
# under it, so no free-form address of a script can ever be entered.
MATOMO_URL_REGEX = r"^https://[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[0-9]{1,5})?$"


def validate_measurement_id(value: str) -> None:
    if not re.fullmatch(GA_MEASUREMENT_ID_REGEX, value):
        raise ValidationError(
            _(
                "“%(value)s” is not a Google Analytics 4 measurement ID: that is “G-” followed by capital "
                "letters and digits, e.g. G-AB12CD34EF (Google Analytics, Admin, Data streams)."
            ),
            code="measurement_id", params={"value": value},
        )


def validate_matomo_url(value: str) -> None:
    if not value.startswith("https://"):
        raise ValidationError(
            _(
                "Matomo must be reached over https: give the address of your own Matomo server starting "
                "with https://, e.g. https://stats.ilumen.be."
            ),
            code="matomo_not_https",
        )
    if not re.fullmatch(MATOMO_URL_REGEX, value):
        raise ValidationError(
            _(
                "Give only the https:// address of your own Matomo server, with a port if it has one and "
                "without a path, e.g. https://stats.ilumen.be."
            ),
            code="matomo_url",
        )


class Category(models.Model):
    key = models.CharField(
        _("key"), max_length=40, unique=True,
        help_text=_("Lower-case letters, digits and underscores, e.g. 'analytics'. Cannot be changed later."),
    )
    necessary = models.BooleanField(
        _("strictly necessary"), default=False,
        help_text=_("Always on and not switchable. Only for cookies the site cannot work without."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_nl = models.TextField(_("description (Dutch)"))
    description_en = models.TextField(_("description (English)"))

    class Meta:
        verbose_name = _("cookie category")
        verbose_name_plural = _("cookie categories")
        db_table = "privacy_category"
        ordering = ["-necessary", "position", "key"]
        constraints = [
            models.CheckConstraint(condition=Q(key__regex=CATEGORY_KEY_REGEX), name="consent_category_key_format"),
        ]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.key})"

    def clean(self) -> None:
        """A category marked strictly necessary may not already hold a tracking or third-party cookie, nor
        be the one an integration loads with."""
        super().clean()
        if not self.necessary or self.pk is None:
            return
        offending = sorted(
            name for name, domain in Cookie.objects.filter(category_id=self.pk).values_list("name", "domain")
            if _not_necessary_reason(name, domain)
        )
        if offending:
            raise ValidationError(
                _(
                    "This category cannot be strictly necessary: it holds tracking or third-party cookies "
                    "(%(names)s). Move them to a category that needs consent first."
                ),
                code="necessary_with_tracking_cookies",
                params={"names": ", ".join(offending)},
            )
        integrations = [
            str(IntegrationKind(kind).label)
            for kind in Integration.objects.filter(category_id=self.pk).values_list("kind", flat=True)
        ]
        if integrations:
            raise ValidationError(
                _(
                    "This category cannot be strictly necessary: %(names)s load with consent for it. "
                    "Attach them to another category first."
                ),
                code="necessary_with_integrations",
                params={"names": ", ".join(sorted(integrations))},
            )


class Cookie(models.Model):
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="cookies", verbose_name=_("category")
    )
    name = models.CharField(
        _("name or pattern"), max_length=100,
        help_text=_("The cookie's name; '*' stands for any characters, e.g. '_ga_*'."),
    )
    provider = models.CharField(_("provider"), max_length=100)
    domain = models.CharField(
        _("set on domain"), max_length=253, blank=True,
        help_text=_(
            "Empty when the cookie is set on this site's own domain (the site can then delete it). "
            "Otherwise the provider's domain, e.g. 'linkedin.com'."
        ),
    )
    purpose_nl = models.TextField(_("purpose (Dutch)"))
    purpose_en = models.TextField(_("purpose (English)"))
    lifetime_nl = models.CharField(_("lifetime (Dutch)"), max_length=100)
    lifetime_en = models.CharField(_("lifetime (English)"), max_length=100)
    # The same lifetime, structured, for the cookie audit to compare with what browsers are told.
    max_lifetime_amount = models.PositiveIntegerField(_("maximum lifetime"), null=True, blank=True)
    max_lifetime_unit = models.CharField(
        _("maximum lifetime unit"), max_length=8, choices=LifetimeUnit.choices, blank=True, db_default="",
        help_text=_(
            "The longest the cookie may live, e.g. 2 years; 'until the browser closes' needs no number. "
            "The cookie audit reports a cookie that lives longer. Changing it does not ask visitors again."
        ),
    )
    integration = models.CharField(
        _("set by"), max_length=16, choices=IntegrationKind.choices, blank=True,
        help_text=_(
            "The integration that sets this cookie: it is listed, and asked consent for, only while that "
            "integration is switched on, in the integration's category. Empty for the site's own cookies."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("cookie")
        verbose_name_plural = _("cookies")
        db_table = "privacy_cookie"
        ordering = ["category", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "domain"], name="consent_cookie_name_domain_unique"),
            models.CheckConstraint(condition=Q(name__regex=COOKIE_NAME_REGEX), name="consent_cookie_name_format"),
            # A number needs a unit and the other way round; "until the browser closes" takes no number.
            models.CheckConstraint(
                condition=(
                    Q(max_lifetime_unit="", max_lifetime_amount__isnull=True)
                    | Q(max_lifetime_unit=LifetimeUnit.SESSION, max_lifetime_amount__isnull=True)
                    | (
                        Q(max_lifetime_unit__in=[u for u in LifetimeUnit.values if u != LifetimeUnit.SESSION])
                        & Q(max_lifetime_amount__isnull=False, max_lifetime_amount__gte=1)  # NULL >= 1 passes a CHECK
                    )
                ),
                name="consent_cookie_max_lifetime_whole",
            ),
            models.CheckConstraint(
                condition=Q(integration__in=["", *IntegrationKind.values]), name="consent_cookie_integration_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def max_lifetime_seconds(self) -> int | None:
        """The declared maximum in seconds (0: until the browser closes), None when none is declared."""
        return lifetime_seconds(self.max_lifetime_amount, self.max_lifetime_unit)

    @property
    def is_pattern(self) -> bool:
        return "*" in self.name

    def clean(self) -> None:
        """Never label a tracking cookie or another site's cookie "strictly necessary": it would be set
        without consent. (A category's form may change `necessary` in the same request: the admin's inline
        cookies see the category as submitted.)"""
        super().clean()
        try:
            category = self.category
        except Category.DoesNotExist:
            return  # "category" is required; the form reports that
        if self.integration:
            # Its consent is asked, and it is expired on refusal, under the integration's category.
            owner = Integration.objects.filter(kind=self.integration).exclude(category=None).first()
            if owner is not None and owner.category_id != category.pk:
                raise ValidationError(
                    _(
                        "%(integration)s sets this cookie and loads with consent for the category %(category)s: the "
                        "cookie belongs there. To move it, change the integration's category."
                    ),
                    code="cookie_outside_integration_category",
                    params={"integration": owner.get_kind_display(), "category": owner.category},
                )
        if not category.necessary:
            return
        reason = _not_necessary_reason(self.name or "", self.domain or "")
        if reason == "domain":
            raise ValidationError(
                _(
                    "A cookie set on another domain is never strictly necessary: put it in a category "
                    "that needs consent."
                ),
                code="necessary_third_party_cookie",
            )
        if reason == "tracker":
            raise ValidationError(
                _("“%(name)s” is a tracking cookie: it cannot be strictly necessary. Put it in a category "
                  "that needs consent."),
                code="necessary_tracking_cookie",
                params={"name": self.name},
            )


class Integration(models.Model):
    """Analytics or a network's button, switched on by Legal in the admin, each loaded only with
    consent for its category. Only identifiers are entered: the code's addresses are fixed (Google's
    from settings, Matomo's under its https origin), so no free-form script can be added here. A
    setting in the environment (GA_MEASUREMENT_ID, MATOMO_URL, SOCIAL_BUTTONS) takes precedence."""

    kind = models.CharField(_("integration"), max_length=16, choices=IntegrationKind.choices, unique=True)
    enabled = models.BooleanField(_("switched on"), default=False)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="integrations",
        limit_choices_to={"necessary": False}, verbose_name=_("consent category"),
        help_text=_(
            "It loads only for visitors who granted this category. Check that the category's description "
            "names it. Its cookies in the registry move with it."
        ),
    )
    measurement_id = models.CharField(
        _("measurement ID"), max_length=22, blank=True, validators=[validate_measurement_id],
        help_text=_("Google Analytics 4 only, e.g. G-AB12CD34EF."),
    )
    matomo_url = models.CharField(
        _("Matomo address"), max_length=200, blank=True, validators=[validate_matomo_url],
        help_text=_("Matomo only: the https:// address of your own Matomo server, e.g. https://stats.ilumen.be."),
    )
    matomo_site_id = models.PositiveIntegerField(
        _("Matomo site ID"), null=True, blank=True,
        help_text=_("Matomo only: the number Matomo gave this website, e.g. 1."),
    )

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=IntegrationKind.values), name="consent_integration_kind"),
            models.CheckConstraint(
                condition=Q(measurement_id="") | Q(measurement_id__regex=GA_MEASUREMENT_ID_REGEX),
                name="consent_integration_measurement_id_format",
            ),
            models.CheckConstraint(
                condition=Q(matomo_url="") | Q(matomo_url__regex=MATOMO_URL_REGEX),
                name="consent_integration_matomo_url_format",
            ),
            # Each kind holds only its own identifiers.
            models.CheckConstraint(
                condition=(Q(kind=IntegrationKind.GA4) | Q(measurement_id=""))
                & (Q(kind=IntegrationKind.MATOMO) | Q(matomo_url="", matomo_site_id__isnull=True)),
                name="consent_integration_fields_of_its_kind",
            ),
            # Switched on: attached to a category, and complete.
            models.CheckConstraint(
                condition=Q(enabled=False)
                | (
                    Q(category__isnull=False)
                    & (~Q(kind=IntegrationKind.GA4) | ~Q(measurement_id=""))
                    & (~Q(kind=IntegrationKind.MATOMO) | (~Q(matomo_url="") & Q(matomo_site_id__gte=1)))
                ),
                name="consent_integration_enabled_complete",
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    def clean(self) -> None:
        super().clean()
        errors: dict[str, ValidationError] = {}
        if self.category_id is not None and self.category.necessary:
            errors["category"] = ValidationError(
                _("A strictly necessary category is never asked: choose one that needs consent."),
                code="integration_necessary_category",
            )
        if self.enabled:
            if self.category_id is None:
                errors["category"] = ValidationError(
                    _("Choose the consent category it loads with."), code="integration_without_category",
                )
            if self.kind == IntegrationKind.GA4 and not self.measurement_id:
                errors["measurement_id"] = ValidationError(
                    _("Google Analytics needs its measurement ID."), code="integration_incomplete",
                )
            if self.kind == IntegrationKind.MATOMO:
                if not self.matomo_url:
                    errors["matomo_url"] = ValidationError(
                        _("Matomo needs the address of its server."), code="integration_incomplete",
                    )
                if not self.matomo_site_id:
                    errors["matomo_site_id"] = ValidationError(
                        _("Matomo needs the site ID it gave this website."), code="integration_incomplete",
                    )
        if self.kind != IntegrationKind.GA4 and self.measurement_id:
            errors["measurement_id"] = ValidationError(_("Only for Google Analytics."), code="not_this_kind")
        if self.kind != IntegrationKind.MATOMO and (self.matomo_url or self.matomo_site_id is not None):
            errors["matomo_url"] = ValidationError(_("Only for Matomo."), code="not_this_kind")
        if errors:
            raise ValidationError(errors)


class RegistryRevision(models.Model):
    number = models.PositiveIntegerField(_("revision"), unique=True)
    created_at = models.DateTimeField(_("in force since"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("changed by"),
    )
    snapshot = models.JSONField(_("registry as it was"))
    # A revision that only takes processing away (an integration switched off, a cookie no longer
    # set) needs no new consent: choices made on the revisions before it still hold.
    asks_again = models.BooleanField(_("visitors asked again"), default=True)

    class Meta:
        verbose_name = _("cookie policy revision")
        verbose_name_plural = _("cookie policy revisions")
        db_table = "privacy_registryrevision"
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="consent_revision_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{_('Revision')} {self.number}"


class ConsentRecord(models.Model):
    class Method(models.TextChoices):
        BANNER = "banner", _("Banner")
        SETTINGS = "settings", _("Cookie settings")
        WITHDRAWAL = "withdrawal", _("Withdrawal")
        GPC = "gpc", _("Global Privacy Control")
        EMBED = "embed", _("Click-to-load placeholder")

    consent_id = models.UUIDField(_("consent id"), default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    granted = models.JSONField(_("categories granted"), default=list)
    refused = models.JSONField(_("categories refused"), default=list)
    registry_revision = models.ForeignKey(
        RegistryRevision, on_delete=models.PROTECT, related_name="+", verbose_name=_("cookie policy revision")
    )
    statement_version = models.ForeignKey(
        "privacy.Version", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("privacy statement version"),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    gpc = models.BooleanField(_("Global Privacy Control signal"), default=False)
    ip_prefix = models.CharField(_("IP network (truncated)"), max_length=49, blank=True)
    user_agent_hash = models.CharField(_("user agent (keyed hash)"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        db_table = "privacy_consentrecord"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["consent_id", "created_at"]),
            models.Index(fields=["created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=["banner", "settings", "withdrawal", "gpc", "embed"]),
                name="consent_record_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(language__in=[code for code, _name in settings.LANGUAGES]),
                name="consent_record_language_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consent_id} {self.get_method_display()} {self.created_at:%Y-%m-%d %H:%M}"


class GpcRefusalDay(models.Model):
    """How many visitors' Global Privacy Control signals refused every optional category, per day and
    language. A refusal needs no proof of consent, so it is counted for the statistics, never kept
    per visitor: no id, no address, no browser."""

    day = models.DateField(_("day"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    count = models.PositiveIntegerField(_("refusals"), default=0)

    class Meta:
        verbose_name = _("Global Privacy Control refusals per day")
        verbose_name_plural = _("Global Privacy Control refusals per day")
        db_table = "privacy_gpcrefusalday"
        ordering = ["-day", "language"]
        constraints = [
            models.UniqueConstraint(fields=["day", "language"], name="consent_gpc_day_language_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.language}: {self.count}"


class CookieAudit(models.Model):
    """One run of `manage.py cookie_audit`: what a real browser met on the site's public pages in each
    consent state, held against the registry. Kept as a record of the check; nobody edits it."""

    created_at = models.DateTimeField(_("date"), default=timezone.now, editable=False)
    base_url = models.CharField(_("site audited"), max_length=300)
    registry_revision = models.ForeignKey(
        RegistryRevision, on_delete=models.PROTECT, related_name="+", verbose_name=_("checked against revision"),
    )
    states = models.JSONField(_("consent states"), default=list)
    pages = models.JSONField(_("pages visited"), default=list)
    # Every cookie, storage key and request to another host the browser met, per state, as recorded.
    observations = models.JSONField(_("observations"), default=dict)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    warnings = models.PositiveIntegerField(_("warnings"), default=0)

    class Meta:
        verbose_name = _("cookie audit")
        verbose_name_plural = _("cookie audits")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{_('Cookie audit')} {self.created_at:%Y-%m-%d %H:%M}"


class CookieAuditFinding(models.Model):
    class Severity(models.TextChoices):
        # Sorted by value: errors come first.
        ERROR = "error", _("Error")
        WARNING = "warning", _("Warning")

    class Kind(models.TextChoices):
        UNDECLARED_COOKIE = "undeclared_cookie", _("Cookie not in the registry")
        UNDECLARED_STORAGE = "undeclared_storage", _("Storage key not in the registry")
        NOT_GRANTED = "not_granted", _("Set without consent for its category")
        THIRD_PARTY_REQUEST = "third_party_request", _("Request to another site without consent")
        LIFETIME_EXCEEDED = "lifetime_exceeded", _("Lives longer than declared")
        NOT_SEEN = "not_seen", _("Declared but never seen")
        NO_MAX_LIFETIME = "no_max_lifetime", _("No maximum lifetime declared")

    audit = models.ForeignKey(CookieAudit, on_delete=models.CASCADE, related_name="findings")
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    kind = models.CharField(_("finding"), max_length=24, choices=Kind.choices)
    # A cookie's or storage key's name, or the host a request went to.
    subject = models.CharField(_("cookie, key or host"), max_length=500)
    domain = models.CharField(_("domain"), max_length=253, blank=True)
    cookie = models.ForeignKey(
        Cookie, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("registry entry"),
    )
    category = models.CharField(_("category"), max_length=40, blank=True)
    states = models.JSONField(_("consent states"), default=list)
    page = models.CharField(_("first seen on"), max_length=500, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    source = models.CharField(_("set or sent by"), max_length=1000, blank=True)
    observed_seconds = models.BigIntegerField(_("observed lifetime (seconds)"), null=True, blank=True)
    declared_seconds = models.BigIntegerField(_("declared lifetime (seconds)"), null=True, blank=True)

    class Meta:
        verbose_name = _("cookie audit finding")
        verbose_name_plural = _("cookie audit findings")
        ordering = ["audit", "severity", "kind", "subject", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(severity__in=["error", "warning"]), name="consent_finding_severity"),
            models.CheckConstraint(
                condition=Q(kind__in=[
                    "undeclared_cookie", "undeclared_storage", "not_granted", "third_party_request",
                    "lifetime_exceeded", "not_seen", "no_max_lifetime",
                ]),
                name="consent_finding_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"
