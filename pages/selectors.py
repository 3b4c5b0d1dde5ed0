from django.core.cache import cache

from pages.models import COMPANY_CACHE_KEY, CompanyProfile


def company_profile() -> CompanyProfile | None:
    """The company details, cached so a page view (or a batch of e-mails) costs no query."""
    profile = cache.get(COMPANY_CACHE_KEY)
    if profile is None:
        profile = CompanyProfile.objects.first() or False
        cache.set(COMPANY_CACHE_KEY, profile, 3600)
    return profile or None
