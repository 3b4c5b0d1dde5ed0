"""The self-service my-data pages and the retention page. Thin: parse, call, render.

Flow: the visitor asks for a link (same answer for every address) → the e-mail's link
shows a page with a button (scanners that follow links use nothing) → the POST uses the
link once and sets a short, signed, HttpOnly session cookie naming the link → the
overview, download, correction and erasure pages read the link from that cookie.
"""

import functools
import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core import ratelimit, retention
from core.ipaddress import client_ip
from core.security import token_page
from datarights import selectors, services, tokens
from datarights.forms import AddressChangeForm, CorrectionForm, LinkRequestForm
from datarights.models import AccessLink
from datarights.services import address_change, workflow

HOUR = 3600
# Pages behind the session cookie: not "no-referrer", with which browsers send `Origin: null`
# on the page's own form POSTs and Django's CSRF check refuses them (erase and correct need
# that check). "same-origin" still never tells another site the address.
SAME_ORIGIN = "same-origin"


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


def _session_link(request: HttpRequest) -> AccessLink | None:
    link_id = request.get_signed_cookie(
        tokens.SESSION_COOKIE, default=None, salt=tokens.SESSION_SALT, max_age=settings.DATARIGHTS_SESSION_MINUTES * 60
    )
    return selectors.access_link_for_session(link_id)


def _session_ended(request: HttpRequest) -> HttpResponse:
    form = LinkRequestForm()
    response = render(request, "datarights/my_data_start.html", {"form": form, "session_ended": True}, status=403)
    response.delete_cookie(tokens.SESSION_COOKIE, path="/")
    return response


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = SAME_ORIGIN
    return response


def _behind_the_link(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the my-data session: called with the session's link, or the session has ended."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        link = _session_link(request)
        if link is None:
            return _private(_session_ended(request))
        return view(request, link)

    return wrapper


# --- Asking for a link -----------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def my_data_start(request: HttpRequest) -> HttpResponse:
    form = LinkRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_bot():
            return redirect("datarights:my_data_sent")
        if form.is_valid():
            email = form.cleaned_data["email"]
            over = ratelimit.network_then_address_hit(
                "mydata", ip=client_ip(request), address=email, per_network=settings.DATARIGHTS_LINKS_PER_IP,
                per_address=settings.DATARIGHTS_LINKS_PER_ADDRESS, window_seconds=HOUR,
            )
            if over is not ratelimit.Over.NETWORK:
                # Too many links for this address: say the same as for success, so the
                # answer never depends on the address (a link is already on its way).
                if over is ratelimit.Over.NOTHING:
                    services.access_link_request(email=email, language=_language())
                return redirect("datarights:my_data_sent")
            form.add_error(None, _("Too many requests from your network. Please try again in an hour."))
            status = 429
        else:
            status = 400
    response = render(request, "datarights/my_data_start.html", {"form": form}, status=status)
    return ratelimit.too_many(response, window_seconds=HOUR) if status == 429 else response


def my_data_sent(request: HttpRequest) -> HttpResponse:
    context = {"valid_hours": settings.DATARIGHTS_LINK_MAX_AGE_HOURS}
    return render(request, "datarights/my_data_sent.html", context)


# --- Opening the link ------------------------------------------------------------------


def _link_problem(request: HttpRequest, kind: str) -> HttpResponse:
    status = 400 if kind == "forged" else 410
    context = {"kind": kind, "form": LinkRequestForm(), "valid_hours": settings.DATARIGHTS_LINK_MAX_AGE_HOURS}
    return render(request, "datarights/my_data_link_problem.html", context, status=status)


# The token is the credential, and with no-referrer the browser posts `Origin: null`: no CSRF
# check here (as on the newsletter's token pages). A forged POST could at most open the
# forger's own data in someone else's browser.
@csrf_exempt
@token_page
@require_http_methods(["GET", "POST"])
def my_data_open(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "GET":
            link = services.access_link_check(token)
            return render(request, "datarights/my_data_open.html", {"token": token, "link": link})
        link = services.access_link_open(token)
    except services.LinkProblem as problem:
        return _link_problem(request, problem.kind)
    response = redirect("datarights:my_data")
    response.set_signed_cookie(
        tokens.SESSION_COOKIE, link.pk.hex, salt=tokens.SESSION_SALT, max_age=settings.DATARIGHTS_SESSION_MINUTES * 60,
        path="/", secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Strict",
    )
    return response


# --- Behind the link -------------------------------------------------------------------


@require_http_methods(["GET"])
@_behind_the_link
def my_data(request: HttpRequest, link: AccessLink) -> HttpResponse:
    export = selectors.personal_data_export(link.email)
    context = {
        "export": export, "link": link, "done": request.GET.get("done"),
        "session_minutes_left": max(int((link.session_expires_at - timezone.now()).total_seconds() // 60), 0),
        "correctable": bool(CorrectionForm(link.email).fields),
    }
    return _private(render(request, "datarights/my_data.html", context))


@require_http_methods(["GET"])
@_behind_the_link
def my_data_download(request: HttpRequest, link: AccessLink) -> HttpResponse:
    export = selectors.personal_data_export(link.email)
    services.my_data_downloaded(link, export)
    return _json_download(export, f"ilumen-my-data-{timezone.localdate():%Y-%m-%d}.json")


@require_http_methods(["GET", "POST"])
@_behind_the_link
def my_data_correct(request: HttpRequest, link: AccessLink) -> HttpResponse:
    form = CorrectionForm(link.email, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            changed = services.my_data_correct(link, form.cleaned_data)
            done = "corrected" if changed else "unchanged"
            return redirect(f"{reverse('datarights:my_data')}?done={done}")
        status = 400
    return _private(render(request, "datarights/my_data_correct.html", {"form": form}, status=status))


@require_http_methods(["GET", "POST"])
@_behind_the_link
def my_data_address(request: HttpRequest, link: AccessLink) -> HttpResponse:
    """Ask to move the data to a new address: a link goes to that address, nothing changes yet."""
    form = AddressChangeForm(link.email, request.POST or None)
    context: dict = {"form": form, "link": link}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            new_email = form.cleaned_data["email"]
            over = ratelimit.network_then_address_hit(
                "address-change", ip=client_ip(request), address=new_email,
                per_network=settings.DATARIGHTS_LINKS_PER_IP, per_address=settings.DATARIGHTS_LINKS_PER_ADDRESS,
                window_seconds=HOUR,
            )
            if over is not ratelimit.Over.NETWORK:
                # Over the address' limit: the same answer, and a link is already on its way.
                if over is ratelimit.Over.NOTHING:
                    address_change.address_change_request(link=link, new_email=new_email, language=_language())
                context["sent"] = new_email
                return _private(render(request, "datarights/my_data_address.html", context))
            form.add_error(None, _("Too many requests from your network. Please try again in an hour."))
            status = 429
        else:
            status = 400
    response = _private(render(request, "datarights/my_data_address.html", context, status=status))
    return ratelimit.too_many(response, window_seconds=HOUR) if status == 429 else response


# As on my_data_open: the signed token is the credential (it reaches the new mailbox only); the GET
# only shows a button, so a mail scanner following the link changes nothing.
@csrf_exempt
@token_page
@require_http_methods(["GET", "POST"])
def address_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    page = "datarights/address_change_confirm.html"
    try:
        context = {"new_email": address_change.address_change_check(token)}
        if request.method == "POST":
            context["outcome"] = address_change.address_change_confirm(token).value
    except services.LinkProblem as problem:
        status = 400 if problem.kind == "forged" else 410
        return _private(render(request, page, {"problem": problem.kind}, status=status))
    status = 409 if context.get("outcome") == address_change.Outcome.SUPPRESSED.value else 200
    return _private(render(request, page, context, status=status))


@require_http_methods(["GET", "POST"])
@_behind_the_link
def my_data_erase(request: HttpRequest, link: AccessLink) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            return redirect("datarights:my_data_erase")
        counts = services.my_data_erase(link)
        removed = sum(n for kinds in counts.values() for n in kinds.values())
        response = render(request, "datarights/my_data_erased.html", {"removed": removed})
        response.delete_cookie(tokens.SESSION_COOKIE, path="/")
        return _private(response)
    preview = selectors.erasure_preview(link.email)
    return _private(render(request, "datarights/my_data_erase.html", {"preview": preview, "link": link}))


@require_POST
def my_data_end(request: HttpRequest) -> HttpResponse:
    link = _session_link(request)
    if link is not None:
        services.access_session_end(link)
    response = redirect("datarights:my_data_start")
    response.delete_cookie(tokens.SESSION_COOKIE, path="/")
    return response


# --- Inactivity: "I want to stay" ----------------------------------------------------------


@csrf_exempt  # as my_data_open: the signed token is the credential
@token_page
@require_http_methods(["GET", "POST"])
def stay(request: HttpRequest, token: str) -> HttpResponse:
    try:
        hashed = tokens.address_hash_from_stay_token(token)
    except tokens.TokenInvalid as problem:
        status = 400 if problem.kind == "forged" else 410
        return render(request, "datarights/stay.html", {"problem": problem.kind}, status=status)
    if request.method == "POST":
        services.activity_record(hashed)
        return render(request, "datarights/stay.html", {"stayed": True})
    return render(request, "datarights/stay.html", {"token": token})


# --- What we keep, and for how long --------------------------------------------------------


def retention_page(request: HttpRequest) -> HttpResponse:
    return render(request, "datarights/retention.html", {"rules": retention.rules()})


# --- The download sent with staff's answer ----------------------------------------------------


def _json_download(export: dict, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(export, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


# As on my_data_open: the token is the credential (no CSRF check); the GET only shows a button,
# so a mail scanner following the link builds nothing.
@csrf_exempt
@token_page
@require_http_methods(["GET", "POST"])
def export_download(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "GET":
            link = workflow.export_link_check(token)
            return _private(render(request, "datarights/export_download.html", {"token": token, "link": link}))
        export = workflow.export_download(token=token)
    except services.LinkProblem as problem:
        status = 400 if problem.kind == "forged" else 410
        page = render(request, "datarights/export_download_problem.html", {"kind": problem.kind}, status=status)
        return _private(page)
    return _json_download(export, f"ilumen-my-data-{timezone.localdate():%Y-%m-%d}.json")
