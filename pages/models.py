"""Company details shown on every page, editable in the admin."""

from django.core.cache import cache
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.pagecache import page_cache_clear

COMPANY_CACHE_KEY = "pages:company:v3"
INTRO_MAX_LENGTH = 1000


class CompanyProfile(models.Model):
    """The one row of company details (footer, legal notice, home page, campaign e-mails)."""

    singleton = models.BooleanField(default=True, editable=False, unique=True)
    legal_name = models.CharField(_("legal name"), max_length=200)
    # The sender's identity that every campaign e-mail and the legal notice carry (Code of
    # Companies and Associations art. 2:20; Code of Economic Law book XII).
    legal_form = models.CharField(_("legal form"), max_length=40, blank=True, help_text=_("E.g. NV or BV."))
    enterprise_number = models.CharField(_("enterprise number"), max_length=40, blank=True)
    register_court = models.CharField(
        _("register (RPR/RPM) and court"), max_length=120, blank=True,
        help_text=_("As it must appear on the company's documents, e.g. 'RPR Antwerpen, afdeling Hasselt'."),
    )
    vat_number = models.CharField(_("VAT number"), max_length=40, blank=True)
    street = models.CharField(_("street and number"), max_length=200)
    street_extra = models.CharField(_("address line 2"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20)
    city = models.CharField(_("city"), max_length=100)
    phone = models.CharField(_("phone (Belgium, free)"), max_length=40, blank=True)
    phone_international = models.CharField(_("phone (other countries)"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail address"))
    privacy_email = models.EmailField(_("e-mail address for privacy requests"), blank=True)
    intro_nl = models.TextField(
        _("introduction (Dutch)"), max_length=INTRO_MAX_LENGTH, blank=True,
        help_text=_("The text under the home page's title. Empty: the site's standard text. A blank line starts a "
                    "new paragraph."),
    )
    intro_en = models.TextField(_("introduction (English)"), max_length=INTRO_MAX_LENGTH, blank=True)
    hosting_name = models.CharField(
        _("hosting provider"), max_length=200, blank=True, help_text=_("Shown on the legal notice when filled in."),
    )
    hosting_address = models.CharField(_("hosting provider's address"), max_length=300, blank=True)
    hosting_website = models.URLField(_("hosting provider's website"), blank=True)

    class Meta:
        verbose_name = _("company profile")
        verbose_name_plural = _("company profile")
        constraints = [
            models.CheckConstraint(condition=models.Q(singleton=True), name="company_profile_singleton")
        ]

    def __str__(self) -> str:
        return self.legal_name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        cache.delete(COMPANY_CACHE_KEY)
        page_cache_clear()

    @property
    def intro(self) -> str:
        return self.intro_nl if get_language() == "nl" else self.intro_en


class KeyFigure(models.Model):
    """A number on the home page. Figures without a value are not shown."""

    label_nl = models.CharField(_("label (Dutch)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    value = models.CharField(_("value"), max_length=40, blank=True, help_text=_("E.g. '1,200+'."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label_en

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        page_cache_clear()

    def delete(self, *args, **kwargs) -> tuple[int, dict[str, int]]:
        deleted = super().delete(*args, **kwargs)
        page_cache_clear()
        return deleted

    @property
    def label(self) -> str:
        return self.label_nl if get_language() == "nl" else self.label_en
