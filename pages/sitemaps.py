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
    """The public pages that exist in both languages whatever the content (other apps' pages are
    named by their URL names: a name is not an import)."""

    changefreq = "monthly"

    def items(self) -> list[str]:
        return [
            "pages:home", "pages:legal_notice", "contact:form", "newsletter:subscribe", "cookies:policy",
            "datarights:retention", "datarights:my_data_start",
        ]

    def location(self, item: str) -> str:
        return reverse(item)


class StatementSitemap(I18nSitemap):
    """Each published statement and its version history."""

    changefreq = "monthly"

    def items(self) -> list[tuple[str, str]]:
        return [(slug, page) for slug, _languages in documents_for_sitemap() for page in ("current", "history")]

    def location(self, item: tuple[str, str]) -> str:
        slug, page = item
        return statement_url(page, slug)


SITEMAPS = {"pages": StaticPagesSitemap, "statements": StatementSitemap}
