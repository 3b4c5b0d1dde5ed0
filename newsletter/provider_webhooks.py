"""The tracking webhook of the configured e-mail service (MAIL_PROVIDER), served by django-anymail.

Only that provider's tracking view is mounted (not anymail's inbound ones, nor other providers').
Anymail checks the basic auth (ANYMAIL["WEBHOOK_SECRET"]) and, where the provider signs its
events, the signature, and sends each event to newsletter.receivers. The view is wrapped so that
a refused request answers 401 with a Basic challenge (some providers send their credentials only
when challenged) and a malformed body 400, where anymail would let them become a 400 page and a 500.
"""

import logging
import warnings
from collections.abc import Callable
from functools import wraps

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailWebhookValidationFailure
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)

# Signing keys anymail needs to verify a provider's events (it refuses to start without them).
SIGNING_KEYS = {"mailgun": "MAILGUN_WEBHOOK_SIGNING_KEY"}


def _tracking_pattern(provider: str) -> URLPattern | None:
    name = f"{provider}_tracking_webhook"
    return next((p for p in anymail_urls.urlpatterns if p.name == name), None)


def _answering_clearly(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @csrf_exempt  # a server-to-server call, authenticated by basic auth (and the provider's signature)
    @login_not_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except AnymailWebhookValidationFailure as refused:
            logger.warning("Provider webhook refused: %s", refused)
            response = HttpResponse("unauthorized", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Basic realm="webhooks"'
            return response
        except (ValueError, KeyError, TypeError):  # a body that is no event of this provider's
            logger.warning("Provider webhook: malformed body", exc_info=True)
            return HttpResponseBadRequest("malformed event", content_type="text/plain")

    return wrapped


def urlpatterns_for(provider: str) -> list[URLPattern]:
    """The provider's tracking webhook, at <provider>/tracking/ under where it is included."""
    pattern = _tracking_pattern(provider) if provider else None
    if pattern is None:
        return []  # off, or an unknown provider (newsletter.E012 says so)
    return [path(str(pattern.pattern), _answering_clearly(pattern.callback), name=pattern.name)]


# Ids from E011: newsletter.E001… were the DKIM checks' before mail/ existed and still silence those.
@register()
def provider_webhook_check(app_configs: object, **kwargs: object) -> list[Error]:
    provider = settings.MAIL_PROVIDER
    if not provider:
        return []
    errors = []
    if ":" not in settings.ANYMAIL.get("WEBHOOK_SECRET", ""):
        errors.append(Error(
            f"MAIL_PROVIDER is {provider!r} but MAIL_PROVIDER_WEBHOOK_SECRET is not a \"user:password\" pair: "
            "the webhook would accept bounces, complaints and unsubscribes from anyone.",
            hint="Set MAIL_PROVIDER_WEBHOOK_SECRET to a long random user:password and give the provider "
                 "https://user:password@<host>/webhooks/anymail/<provider>/tracking/.",
            id="newsletter.E011",
        ))
    pattern = _tracking_pattern(provider)
    if pattern is None:
        errors.append(Error(
            f"MAIL_PROVIDER {provider!r} is not a provider django-anymail has a tracking webhook for.",
            hint="Use anymail's name for it: postmark, mailgun, sendgrid, amazon_ses, brevo, …",
            id="newsletter.E012",
        ))
    else:
        try:  # what anymail does for each request: a missing package or setting shows here, not as a 500
            with warnings.catch_warnings(action="ignore"):
                pattern.callback.view_class(**pattern.callback.view_initkwargs)
        except ImproperlyConfigured as error:
            errors.append(Error(f"The {provider} webhook cannot start: {error}", id="newsletter.E014"))
    key = SIGNING_KEYS.get(provider)
    if key and not settings.ANYMAIL.get(key):
        errors.append(Error(
            f"MAIL_PROVIDER is {provider!r} but {key} is not set: its events' signatures cannot be checked.",
            id="newsletter.E013",
        ))
    return errors
