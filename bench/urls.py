"""The site's URLs plus bare views: the baselines the load benchmark compares against."""

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.views.decorators.http import require_POST

from core.security import same_origin_form
from ilumen_site.urls import handler404, handler500  # noqa: F401
from ilumen_site.urls import urlpatterns as site_urlpatterns

# Created by bench/http_load.py's prepare step with raw SQL: the bench's own, no site model.
WRITE_TABLE_SQL = (
    "CREATE TABLE bench_write (id bigserial PRIMARY KEY, note text NOT NULL, created_at timestamptz NOT NULL)"
)


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@same_origin_form  # protected as the site's public forms are
@require_POST
def bare_write(request: HttpRequest) -> HttpResponse:
    """One row in one transaction, answered as the site's forms answer: 303 to a page."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_write (note, created_at) VALUES (%s, now())", [request.POST.get("note", "")])
    response = HttpResponseRedirect("/en/")
    response.status_code = 303
    return response


urlpatterns = [path("bench/bare", bare), path("bench/write", bare_write), *site_urlpatterns]
