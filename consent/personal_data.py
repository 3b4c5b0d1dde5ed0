"""Cookie consent for core.registry, and how long its records are kept (the retention
rule, run by core.retention; this module is found by autodiscovery).

Consent records are keyed by a random consent id that only the visitor's browser holds,
never by an e-mail address: the export explains them instead of listing them.
"""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consent.models import ConsentRecord
from core import registry, retention


def _consent_explanation() -> str:
    text = gettext(
        "Your cookie choices are recorded as proof of consent under a random consent id that only your browser "
        "holds (in the consent cookie), never under your e-mail address. We therefore cannot find them from your "
        "address and they are not part of this export. You can see and erase your own consent history on the "
        "cookie settings page, from the browser you made the choices in."
    )
    return f"{text} {settings.SITE_URL}{reverse('cookies:settings')}"


_consent_text = lazy(_consent_explanation, str)()

registry.register(
    registry.Source(
        key="cookie_consent",
        title=_("Cookie choices"),
        explanation=_consent_text,
        models=("consent.ConsentRecord",),
        kinds=(registry.Kind("cookie_consent", _consent_text, linkable=False),),
        export=lambda address: {"cookie_consent": []},
        erase=lambda address, created_before=None: {"cookie_consent": 0},
        processing=registry.Processing(
            activity=_("Records of cookie choices"),
            purposes=(_("Remembering each visitor's cookie choices and being able to prove the consent given."),),
            bases=(registry.Basis(
                registry.LegalBasis.LEGAL_OBLIGATION,
                _("Cookies that are not strictly necessary need prior consent (ePrivacy Directive Art. 5(3)), "
                  "which we must be able to demonstrate (GDPR Art. 7(1))."),
            ),),
            subjects=(_("Visitors of the website who make a cookie choice"),),
            data=(_("A random consent id, the categories granted and refused, time, method, the versions of the "
                    "cookie policy and privacy statement shown, language, the Global Privacy Control signal, the "
                    "IP address shortened to its network and a keyed hash of the browser's user agent"),),
            processors=(registry.Processor.HOSTING,),
            retention=("consent_records",),
        ),
        kept=(_consent_text,),
        order=85,
    )
)


def _records_purge(ctx: retention.RunContext) -> dict[str, int]:
    """Records replaced or withdrawn more than CONSENT_PROOF_KEEP_DAYS ago.

    A record is replaced by the next record of the same consent id. The last record of a
    consent id ends with a withdrawal, or when the consent cookie it set lapsed
    (CONSENT_MAX_AGE_DAYS).
    """
    cutoff = ctx.cutoff(settings.CONSENT_PROOF_KEEP_DAYS)
    replaced = ConsentRecord.objects.filter(
        consent_id=OuterRef("consent_id"), created_at__gt=OuterRef("created_at"), created_at__lt=cutoff
    )
    condition = Q(Exists(replaced)) | Q(method="withdrawal", created_at__lt=cutoff)
    lifetime = settings.CONSENT_MAX_AGE_DAYS
    if lifetime:
        later = ConsentRecord.objects.filter(consent_id=OuterRef("consent_id"), created_at__gt=OuterRef("created_at"))
        condition |= Q(~Exists(later), created_at__lt=cutoff - datetime.timedelta(days=lifetime))
    due = ConsentRecord.objects.filter(condition)
    return {"consent records": retention.delete_in_batches(due, ctx, "consent_records")}


retention.register(retention.Rule(
    key="consent_records", what=_("Records of cookie choices"), setting="CONSENT_PROOF_KEEP_DAYS",
    counted_from=_("after they were replaced, withdrawn or expired"),
    why=_("Proof of consent (GDPR Art. 7): we must be able to show what you agreed to."), run=_records_purge,
    order=70,
))
