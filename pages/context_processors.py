from django.core.cache import cache
from django.http import HttpRequest

from pages.models import COMPANY_CACHE_KEY, CompanyProfile


def company(request: HttpRequest) -> dict:
    """The company details for the footer, cached so a page view costs no query."""
    profile = cache.get(COMPANY_CACHE_KEY)
    if profile is None:
        profile = CompanyProfile.objects.first() or False
        cache.set(COMPANY_CACHE_KEY, profile, 3600)
    return {"company": profile or None}
