"""The public archive in sitemap.xml (added to pages' sitemaps in the URL map): the list in every
language, and each web version in the languages it was written in, with hreflang alternates."""

import datetime

from django.urls import reverse

from newsletter import selectors
from newsletter.models import Campaign
from pages.sitemaps import I18nSitemap


class ArchiveSitemap(I18nSitemap):
    changefreq = "weekly"

    def items(self) -> list[str]:
        return ["newsletter:archive"]

    def location(self, item: str) -> str:
        return reverse(item)


class ArchiveCampaignSitemap(I18nSitemap):
    changefreq = "yearly"

    def items(self) -> list[Campaign]:
        return list(selectors.archive_campaigns())

    def get_languages_for_item(self, item: Campaign) -> list[str]:
        return selectors.archive_languages(campaign=item)

    def location(self, item: Campaign) -> str:
        return reverse("newsletter:archive_campaign", kwargs={"slug": item.archive_slug})

    def lastmod(self, item: Campaign) -> datetime.datetime | None:
        return item.finished_at


SITEMAPS = {"newsletter-archive": ArchiveSitemap, "newsletter-campaigns": ArchiveCampaignSitemap}
