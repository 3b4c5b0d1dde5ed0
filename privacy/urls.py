import re

from django.urls import path, register_converter

from privacy import views
from privacy.models.statements import RESERVED_DOCUMENT_SLUGS


class VersionNumberConverter:
    """Version numbers as they can exist in the database: 1 to 999,999,999."""

    regex = "[1-9][0-9]{0,8}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class DocumentSlugConverter:
    """A document's slug: never one of the reserved words that name other pages under /privacy/
    (my-data/, retention/, …), which the database refuses as slugs too."""

    regex = "(?!(?:{})/)[-a-zA-Z0-9_]+".format("|".join(map(re.escape, RESERVED_DOCUMENT_SLUGS)))

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(VersionNumberConverter, "version")
register_converter(DocumentSlugConverter, "document")

app_name = "privacy"

# The primary statement (settings.PRIVACY_PRIMARY_DOCUMENT) lives at /privacy/ itself;
# every other document under /privacy/<slug>/.
urlpatterns = [
    path("", views.statement, name="statement"),
    path("history/", views.statement_history, name="history"),
    path("diff/", views.statement_diff, name="diff"),
    path("v<version:number>/", views.statement_version, name="version"),
    path("<document:slug>/", views.statement, name="document"),
    path("<document:slug>/history/", views.statement_history, name="document_history"),
    path("<document:slug>/diff/", views.statement_diff, name="document_diff"),
    path("<document:slug>/v<version:number>/", views.statement_version, name="document_version"),
]
