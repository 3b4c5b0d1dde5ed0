from django.core.cache import cache
from django.template import Context, engines

from pages.models import COMPANY_CACHE_KEY, CompanyProfile


def company_profile() -> CompanyProfile | None:
    """The company details, cached so a page view (or a batch of e-mails) costs no query."""
    profile = cache.get(COMPANY_CACHE_KEY)
    if profile is None:
        profile = CompanyProfile.objects.first() or False
        cache.set(COMPANY_CACHE_KEY, profile, 3600)
    return profile or None


def company_identity_text() -> str:
    """The sender's identity on one line of plain text, in the active language (legal name and
    form, registered office, enterprise number and register, VAT number); '' without a profile.
    Every e-mail's footer shows it (mail.layout; Code of Economic Law book XII)."""
    template = engines["django"].engine.get_template("pages/_company_identity.txt")
    return " ".join(template.render(Context({"company": company_profile()}, autoescape=False)).split())
