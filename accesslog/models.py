"""The web server's basic log, as the privacy statement describes it.

Time, path (no query string, no token segments), status, language and the client's network
(the IP address truncated when written, core.ipaddress.truncate_ip). The row is
deleted after ACCESS_LOG_KEEP_DAYS (core.retention). Staff only ever see counts.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PageView(models.Model):
    time = models.DateTimeField(_("time"))
    path = models.CharField(_("path"), max_length=500)
    status = models.PositiveSmallIntegerField(_("status"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    ip = models.GenericIPAddressField(_("IP address (truncated)"), null=True, blank=True)

    class Meta:
        verbose_name = _("page view")
        verbose_name_plural = _("page views")
        # Rows are written by the log buffer only; the admin shows statistics, never rows.
        default_permissions = ("view",)
        indexes = [models.Index(fields=["time"], name="accesslog_pageview_time")]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.path} {self.status}"
