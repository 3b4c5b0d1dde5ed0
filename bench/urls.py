"""The site's URLs plus a bare view: the baseline the load benchmark compares against."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from ilumen_site.urls import handler404, handler500  # noqa: F401
from ilumen_site.urls import urlpatterns as site_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare), *site_urlpatterns]
