"""Visitor pages for cookie consent: the decision endpoint, the cookie settings, the cookie policy.

The decision endpoint answers both a plain HTML form (redirect back, so the site works
without JavaScript) and static/js/consent.js (JSON, so choices apply without a reload).
"""

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consent import cookie as consent_cookie
from consent import selectors
from consent.fragments import settings_fields
from consent.selectors import consent_state
from consent.services import ACTIONS, SOURCES, StaleRegistry, consent_decide
from consent.types import ConsentState
from core import ratelimit
from core.ipaddress import client_ip
from core.security import same_origin_form


def _language() -> str:
    language = get_language() or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _state(request: HttpRequest) -> ConsentState:
    state = getattr(request, "consent", None)
    if state is None:  # consent middleware switched off: read the cookie here
        state = consent_state(request)
        request.consent = state
    return state


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    """Back to the page the visitor came from, but never to another site."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("pages:home")


class ConsentForm(forms.Form):
    action = forms.ChoiceField(choices=[(action, action) for action in ACTIONS])
    source = forms.ChoiceField(choices=[(source, source) for source in SOURCES], required=False)
    revision = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    next = forms.CharField(required=False, max_length=2000)

    def clean(self) -> dict:
        cleaned = super().clean()
        # Unknown keys (a category removed since the page was rendered) are left out, not an error:
        # the revision check already catches a visitor who decided on an outdated list.
        cleaned["categories"] = [key for key in self.data.getlist("category") if isinstance(key, str)][:50]
        cleaned["source"] = cleaned.get("source") or "banner"
        return cleaned


def _error(request: HttpRequest, status: int, message: str, wants_json: bool) -> HttpResponse:
    if wants_json:
        return JsonResponse({"error": message}, status=status)
    return render(request, "consent/consent_error.html", {"message": message}, status=status)


def _settings_context(request: HttpRequest, state: ConsentState, next_url: str) -> dict:
    registry = state.registry
    return {
        "categories": registry.localized(_language()) if registry else [],
        "settings_fields": settings_fields(registry, _language(), "cookie-settings-form", state.granted)
        if registry else "",
        "granted": sorted(state.granted),
        "decided": state.decided,
        "consent_id": state.consent_id,
        "revision": registry.revision if registry else "",
        "next": next_url,
    }


@same_origin_form
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":  # reloaded or bookmarked after a choice: the choices page, not a bare 405
        return redirect("cookies:settings")
    state = _state(request)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if state.registry is None:
        return _error(request, 503, _("Cookie choices cannot be saved at the moment. Please try again later."),
                      wants_json)
    if not ratelimit.hit_network(
        "consent-decide", client_ip(request), limit=settings.CONSENT_DECISIONS_PER_HOUR, window_seconds=3600
    ):
        response = _error(request, 429, _("Too many cookie choices from your network in a short time. "
                                          "Please try again in an hour."), wants_json)
        return ratelimit.too_many(response, window_seconds=3600)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _error(request, 400, _("This cookie choice could not be understood. Please choose again."),
                      wants_json)
    data = form.cleaned_data
    next_url = _safe_next(request, data["next"])
    try:
        decision = consent_decide(
            registry=state.registry,
            action=data["action"],
            categories=data["categories"],
            source=data["source"],
            revision=data["revision"],
            consent_id=state.consent_id,
            previously_granted=state.previously_granted,
            language=_language(),
            client_ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            gpc=state.gpc,
        )
    except StaleRegistry:
        message = _("The list of cookies changed while you were choosing. Please look at it again and choose.")
        if wants_json:
            return JsonResponse({"error": message, "reload": True}, status=409)
        context = {**_settings_context(request, state, next_url), "notice": message}
        return render(request, "consent/cookie_settings.html", context, status=409)
    if wants_json:
        response: HttpResponse = JsonResponse({
            "consent_id": str(decision.cookie.consent_id),
            "granted": sorted(decision.granted),
            "refused": sorted(decision.refused),
            "method": decision.record.method,
            "revision": decision.cookie.revision,
            "expire": decision.expire,
            "message": _("Your cookie choices have been saved."),
        })
    else:
        response = HttpResponseRedirect(next_url)
        response.status_code = 303  # see the page again with GET, whatever the form did
    consent_cookie.write(response, decision.cookie)
    if decision.expire:
        present = consent_cookie.matching(request.COOKIES, decision.expire)
        exact = [name for name in decision.expire if "*" not in name]
        consent_cookie.expire(response, sorted({*present, *exact}), request.get_host())
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def cookie_settings(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    next_url = _safe_next(request, request.GET.get("next"))
    context = {
        **_settings_context(request, state, next_url),
        "history": selectors.consent_history(state.consent_id),
        "current": state.current,
    }
    response = render(request, "consent/cookie_settings.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def cookie_policy(request: HttpRequest, number: int | None = None) -> HttpResponse:
    current = selectors.registry_state()
    registry = current if number is None or (current and number == current.revision) else (
        selectors.registry_revision_state(number)
    )
    if registry is None:
        raise Http404
    context = {
        "registry": registry,
        "categories": registry.localized(_language()),
        "is_current": current is not None and registry.revision == current.revision,
        "revisions": [(n, at) for n, at in selectors.registry_revisions() if n != registry.revision],
    }
    return render(request, "consent/cookie_policy.html", context)
