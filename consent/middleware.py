"""Every request learns the visitor's cookie choices from the signed consent cookie.

No database query: the cookie is checked with the SECRET_KEY, the registry comes from
the cache (once, when something was switched on without a revision, a revision is made
first). The middleware also keeps two promises on every page: a `Sec-GPC: 1` header
refuses every optional category until the visitor opts in (counted once per visitor),
and an optional cookie of the site's own that reaches the server without consent is
expired at once, so one that a script set again after a withdrawal does not survive.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost, MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from consent import cookie as consent_cookie
from consent.selectors import consent_state
from consent.types import ConsentState, RegistryState
from core.ipaddress import client_ip

VARY = ("Cookie", "Sec-GPC")
VARY_VALUE = ", ".join(VARY)


def page_cache_variant(request: HttpRequest) -> str:
    """What a page's consent parts (banner, gated scripts) depend on, for the page cache.

    Not the cookie itself: two visitors with the same choice get the same page, and a
    choice that has just grown too old or was made on an older policy stops matching.
    """
    state = getattr(request, "consent", None)
    if state is None or state.registry is None:
        return "-"
    return f"{int(state.current)}|{int(state.gpc_refusal)}|{','.join(sorted(state.granted))}|{state.registry.stamp}"


def _is_page_view(request: HttpRequest, response: HttpResponse, content_type: str) -> bool:
    return (
        request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        and content_type.startswith("text/html")
    )


class ConsentMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not settings.CONSENT_ENABLED:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = consent_state(request)
        if state.registry is not None and state.registry.drifted:
            # Something is in force that the latest revision does not hold (the environment
            # switched an integration on, a migration changed the registry): record it, and ask
            # again, before anyone is asked under the old number.
            from consent.services import registry_revise

            registry_revise()
            state = consent_state(request)
        request.consent = state
        response = self.get_response(request)
        if state.registry is None:
            return response
        decided_now = consent_cookie.name() in response.cookies  # the consent view answered
        content_type = response.headers.get("Content-Type", "")
        if state.gpc_refusal and not decided_now and _is_page_view(request, response, content_type):
            self._refuse_by_gpc(request, response, state)
        if not decided_now and request.COOKIES and (refused := state.registry.optional_keys - state.granted):
            self._expire_unconsented(request, response, state.registry, refused)
        if content_type.startswith("text/html"):
            if response.has_header("Vary"):
                patch_vary_headers(response, VARY)
            else:  # the common case, without parsing a header that is not there
                response.headers["Vary"] = VARY_VALUE
        return response

    def _refuse_by_gpc(self, request: HttpRequest, response: HttpResponse, state: ConsentState) -> None:
        from consent.services import consent_gpc_refuse

        language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        cookie = consent_gpc_refuse(
            registry=state.registry, consent_id=state.consent_id, language=language, client_ip=client_ip(request),
        )
        consent_cookie.write(response, cookie)

    def _expire_unconsented(
        self, request: HttpRequest, response: HttpResponse, registry: RegistryState, refused: frozenset[str],
    ) -> None:
        present = consent_cookie.matching(request.COOKIES, registry.first_party_names(refused))
        if not present:
            return
        try:
            host = request.get_host()
        except DisallowedHost:
            return
        consent_cookie.expire(response, present, host)
