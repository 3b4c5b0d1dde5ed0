"""URL map: language-neutral endpoints first, then every visitor page under /nl/ or /en/."""

import re

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path

from core.health import healthz
from core.media import media_serve
from newsletter.provider_webhooks import urlpatterns_for as provider_webhook_urls
from newsletter.sitemaps import SITEMAPS as ARCHIVE_SITEMAPS
from pages.sitemaps import SITEMAPS
from pages.views import language_set, robots_txt, security_txt

urlpatterns = [
    path("i18n/setlang/", language_set, name="set_language"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": {**SITEMAPS, **ARCHIVE_SITEMAPS}}, name="sitemap"),
    path(".well-known/security.txt", security_txt, name="security_txt"),
    path("healthz", healthz, name="healthz"),
]
if settings.MAIL_PROVIDER:  # the e-mail service's bounce, complaint and unsubscribe events
    urlpatterns.append(path("webhooks/anymail/", include(provider_webhook_urls(settings.MAIL_PROVIDER))))
if settings.MEDIA_SERVE:
    media_prefix = re.escape(settings.MEDIA_URL.strip("/"))
    urlpatterns.append(re_path(rf"^{media_prefix}/(?P<path>.+)$", media_serve, name="media"))

# The resolver tries these in order and an include without a prefix is searched through
# before it fails, so the busiest pages come first and pages.urls ("" prefix) last.
urlpatterns += i18n_patterns(
    path("privacy/", include("privacy.urls")),  # its document slugs exclude my-data/, retention/, …
    path("privacy/", include("datarights.urls")),
    path("privacy/consent/", include("consent.decision_urls")),  # a reserved document slug
    path("cookies/", include("consent.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("contact/", include("contact.urls")),
    path(settings.ADMIN_URL, include("staff.urls")),  # old addresses of moved models, then the admin
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("pages.urls")),
)

handler400 = "pages.views.bad_request"
handler404 = "pages.views.page_not_found"
handler500 = "pages.views.server_error"
