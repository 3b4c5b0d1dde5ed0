"""sitemap.xml: every public page in both languages, with hreflang alternates."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from privacy.selectors import documents_for_sitemap
from privacy.templatetags.statements import statement_url


class I18nSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True


class StaticPagesSitemap(I18nSitemap):
    changefreq = "monthly"

    def items(self) -> list[str]:
        return ["pages:home", "pages:legal_notice"]

    def location(self, item: str) -> str:
        return reverse(item)


class StatementSitemap(I18nSitemap):
    changefreq = "monthly"

    def items(self) -> list[str]:
        return [slug for slug, _languages in documents_for_sitemap()]

    def location(self, item: str) -> str:
        return statement_url("current", item)


SITEMAPS = {"pages": StaticPagesSitemap, "statements": StatementSitemap}
