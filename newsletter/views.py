"""Visitor pages of the newsletter. Thin: parse, call a service or selector, render.

Pages reached through links in e-mails carry their token in the URL and need no login and
no cookie. Confirming and unsubscribing happen only on POST: mail scanners follow GETs.
"""

import hmac
import json

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.ipaddress import client_ip
from core.pagecache import cached_public_page
from core.ratelimit import too_many
from core.security import same_origin_form, same_origin_post, token_page
from newsletter import selectors
from newsletter.forms import PreferencesForm, SubscribeForm, consent_label, consent_shown
from newsletter.messages import content_render, topic_names
from newsletter.services import subscriptions as subs
from newsletter.services.suppressions import WebhookError, suppressions_from_webhook
from newsletter.tokens import (
    TokenExpired,
    TokenInvalid,
    confirm_token_read,
    preferences_token_make,
    preferences_token_read,
    unsubscribe_token_read,
)


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def _problem(request: HttpRequest, kind: str, status: int, token: str = "") -> HttpResponse:
    return render(request, "newsletter/link_problem.html", {"kind": kind, "token": token}, status=status)


@same_origin_form
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    topics = selectors.public_topics()
    if request.method == "POST":
        form = SubscribeForm(request.POST, topics=topics)
        if form.is_valid():
            data = form.cleaned_data
            if data["website"]:
                return redirect("newsletter:subscribe_done")  # a bot: the same answer, nothing done
            outcome = subs.subscription_request(
                email=data["email"], name=data["name"], language=data["language"], topics=data["topics"],
                consent=consent_shown(_language()), source=data["source"] or request.path, ip=client_ip(request),
            )
            if outcome is subs.RequestOutcome.TOO_MANY:
                form.add_error(None, _("Too many requests from your network. Please try again in an hour."))
                response = render(request, "newsletter/subscribe.html", _form_context(form))
                return too_many(response, window_seconds=settings.NEWSLETTER_SUBSCRIBE_WINDOW_SECONDS)
            return redirect("newsletter:subscribe_done")
        return render(request, "newsletter/subscribe.html", _form_context(form), status=400)
    form = SubscribeForm(topics=topics, initial={"source": request.GET.get("from", "")})
    return render(request, "newsletter/subscribe.html", _form_context(form))


def _form_context(form: SubscribeForm) -> dict:
    return {"form": form, "consent_label": consent_label()}


def subscribe_done(request: HttpRequest) -> HttpResponse:
    return render(request, "newsletter/subscribe_done.html", {"days": settings.NEWSLETTER_CONFIRM_MAX_AGE_DAYS})


@token_page
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        nonce = confirm_token_read(token)
    except TokenExpired:
        return _problem(request, "expired", 410, token)
    except TokenInvalid:
        return _problem(request, "invalid", 400)
    if request.method == "POST":
        outcome = subs.subscription_confirm(nonce=nonce)
        if outcome is subs.ConfirmOutcome.CONFIRMED:
            proof = subs.proof_pending(nonce)
            preferences = reverse("newsletter:preferences", args=[preferences_token_make(proof.subscriber.uuid)])
            return render(request, "newsletter/confirm_done.html", {"preferences_url": preferences})
        return _problem(request, "used" if outcome is subs.ConfirmOutcome.ALREADY_USED else "invalid", 400)
    proof = subs.proof_pending(nonce)
    if proof is None:
        return _problem(request, "invalid", 400)
    if proof.confirmed_at is not None:
        return _problem(request, "used", 400)
    return render(request, "newsletter/confirm.html", {"topics": list(proof.topics.all())})


@token_page
@require_POST
def confirm_resend(request: HttpRequest, token: str) -> HttpResponse:
    try:
        nonce = confirm_token_read(token)
    except TokenExpired as expired:
        nonce = expired.nonce
    except TokenInvalid:
        return _problem(request, "invalid", 400)
    if subs.confirmation_resend(nonce=nonce, ip=client_ip(request)) is subs.RequestOutcome.TOO_MANY:
        return too_many(_problem(request, "too_many", 429), window_seconds=settings.NEWSLETTER_SUBSCRIBE_WINDOW_SECONDS)
    return redirect("newsletter:subscribe_done")


# RFC 8058: the one-click POST carries no cookie and no CSRF token; the URL is the secret (token_page).
# The token only ever unsubscribes: these pages offer to mail a preferences link, never show one.
@token_page
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        parsed = unsubscribe_token_read(token)
    except TokenInvalid:
        return _problem(request, "invalid", 400)
    topics = selectors.topics_of(topic_ids=parsed.topic_ids) if parsed.topic_ids else []
    # None: the link is for every topic.
    context = {"topics": topic_names(topics, _language()) if topics else None, "token": token}
    if request.method == "POST":
        try:
            one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        except (SuspiciousOperation, MultiPartParserError, UnreadablePostError):
            # Too big, too many fields, malformed: refused before anything is done.
            return _problem(request, "unreadable", 400)
        subs.unsubscribe(subscriber_uuid=parsed.subscriber_uuid, topic_ids=parsed.topic_ids)
        if one_click:
            # A mail client, not a person: a short 200 answer, never a redirect.
            return HttpResponse(_("You are unsubscribed.") + "\n", content_type="text/plain; charset=utf-8")
        return render(request, "newsletter/unsubscribe_done.html", context)
    return render(request, "newsletter/unsubscribe.html", context)


@token_page
@require_POST
def preferences_link(request: HttpRequest, token: str) -> HttpResponse:
    """The unsubscribe pages' "e-mail me a link to my preferences": one answer, whatever happens."""
    try:
        parsed = unsubscribe_token_read(token)
    except TokenInvalid:
        return _problem(request, "invalid", 400)
    subs.preferences_link_send(subscriber_uuid=parsed.subscriber_uuid, ip=client_ip(request))
    return render(request, "newsletter/preferences_link_sent.html")


# same-origin: the page's own posts carry its Origin (no-referrer would make it `null`).
@token_page(referrer_policy="same-origin")
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST" and not same_origin_post(request):
        return _problem(request, "cross_site", 403)
    try:
        subscriber_uuid = preferences_token_read(token)
    except TokenInvalid:
        return _problem(request, "invalid", 400)
    subscriber = subs.subscriber_by_uuid(subscriber_uuid)
    if subscriber is None:
        return _problem(request, "invalid", 400)
    current = selectors.subscriber_topics(subscriber)
    saved = False
    if request.method == "POST":
        if request.POST.get("action") == "unsubscribe_all":
            subs.unsubscribe(subscriber_uuid=subscriber.uuid)
            return render(request, "newsletter/unsubscribe_done.html", {"everything": True})
        form = PreferencesForm(request.POST, subscriptions=current)
        if form.is_valid():
            subs.preferences_update(
                subscriber=subscriber, keep_topic_ids={int(pk) for pk in form.cleaned_data["topics"]},
                language=form.cleaned_data["language"], name=form.cleaned_data["name"],
            )
            current = selectors.subscriber_topics(subscriber)
            saved = True
        else:
            return render(request, "newsletter/preferences.html", {"form": form, "subscriber": subscriber}, status=400)
    form = PreferencesForm(
        subscriptions=current,
        initial={
            "name": subscriber.name, "language": subscriber.language, "topics": [str(s.topic_id) for s in current],
        },
    )
    context = {"form": form, "subscriber": subscriber, "saved": saved, "has_topics": bool(current)}
    return render(request, "newsletter/preferences.html", context)


@csrf_exempt  # a server-to-server call, authenticated by its bearer token
@require_POST
def suppression_webhook(request: HttpRequest) -> HttpResponse:
    expected = settings.NEWSLETTER_WEBHOOK_TOKEN
    if not expected:
        raise Http404
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse({"error": "unauthorized"}, status=401)
    try:
        payload = json.loads(request.body)
        result = suppressions_from_webhook(payload)
    except (ValueError, WebhookError) as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse(result)


# The public archive: web versions of published campaigns, the same page for every visitor
# (no name, no personal link), cached like the other public pages.
ARCHIVE_PAGE_SIZE = 12


def _in_language(language: str, view_name: str, **kwargs: str) -> str:
    with translation.override(language):
        return reverse(view_name, kwargs=kwargs)


def _alternates(request: HttpRequest, languages: list[str], view_name: str, query: str = "", **kwargs: str) -> dict:
    """hreflang links to the languages this page exists in, and x-default (the site's language if the
    page exists in it)."""
    urls = [(code, request.build_absolute_uri(_in_language(code, view_name, **kwargs)) + query) for code in languages]
    default = dict(urls).get(settings.LANGUAGE_CODE, urls[0][1])
    return {"alternates": urls, "x_default": default}


@require_safe
@cached_public_page
def archive(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.archive_campaigns(), ARCHIVE_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404 from None
    language = _language()
    entries = []
    for campaign in page:
        content = selectors.archive_content(campaign=campaign, language=language)
        entries.append({
            "campaign": campaign, "content": content,
            "topic_name": selectors.campaign_topic_names(campaign=campaign, language=language),
            "url": _in_language(content.language, "newsletter:archive_campaign", slug=campaign.archive_slug),
        })
    query = f"?page={page.number}" if page.number > 1 else ""
    languages = [code for code, _name in settings.LANGUAGES]
    return render(request, "newsletter/archive/list.html", {
        "page": page, "entries": entries, **_alternates(request, languages, "newsletter:archive", query),
    })


@require_safe
@cached_public_page
def archive_campaign(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = selectors.archive_campaign(slug=slug)
    if campaign is None:
        raise Http404
    language = _language()
    languages = selectors.archive_languages(campaign=campaign)
    if language not in languages:
        # Not written in this language: no page here, but a way to the languages it was written in.
        links = [(code, _in_language(code, "newsletter:archive_campaign", slug=slug)) for code in languages]
        return render(request, "newsletter/archive/not_in_language.html", {"links": links}, status=404)
    content = selectors.archive_content(campaign=campaign, language=language)
    rendered = content_render(language=language, subject=content.subject, body=content.body)
    return render(request, "newsletter/archive/campaign.html", {
        "campaign": campaign, "content": rendered,
        "topic_name": selectors.campaign_topic_names(campaign=campaign, language=language),
        "sent_at": campaign.finished_at or campaign.started_at,
        **_alternates(request, languages, "newsletter:archive_campaign", slug=slug),
    })
