"""/<lang>/cookies/: the cookie policy (current and earlier revisions) and the cookie settings.

Choices are posted to consent:decide, /<lang>/privacy/consent/ (consent/decision_urls.py).
"""

from django.urls import path, register_converter

from consent import views as consent_views


class RevisionNumberConverter:
    """Revision numbers as the database can hold them: 1 to 999,999,999."""

    regex = "[1-9][0-9]{0,8}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RevisionNumberConverter, "cookie_revision")

app_name = "cookies"

urlpatterns = [
    path("", consent_views.cookie_policy, name="policy"),
    path("r<cookie_revision:number>/", consent_views.cookie_policy, name="revision"),
    path("settings/", consent_views.cookie_settings, name="settings"),
]
