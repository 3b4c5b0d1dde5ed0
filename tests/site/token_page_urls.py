"""A cached public page with a form left on Django's token check, for tests/site/test_pagecache.py."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from core.pagecache import cached_public_page


@cached_public_page
def token_form(request: HttpRequest) -> HttpResponse:
    template = engines["django"].from_string('<form method="post">{% csrf_token %}</form>')
    return HttpResponse(template.render(request=request))


urlpatterns = [path("token-form/", token_form)]
