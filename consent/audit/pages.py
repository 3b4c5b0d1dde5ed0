"""The pages the cookie audit walks: every URL name a visitor reaches without a token, in Dutch and
English, and the pages behind forms, reached without sending the form (no form that sends e-mail is
ever submitted). `tests/consent/test_cookie_audit_pages.py` fails when a URL name is in neither list.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from consent import selectors as consent_selectors
from consent.audit.browser import Step
from privacy import selectors as privacy_selectors

# Pages in each language, in walking order (the first is where a choice is made).
PAGES = [
    "pages:home", "pages:legal_notice",
    "privacy:statement", "privacy:history", "privacy:version", "privacy:diff",
    "privacy:document", "privacy:document_history", "privacy:document_version", "privacy:document_diff",
    "cookies:policy", "cookies:revision", "cookies:settings",
    "newsletter:subscribe", "newsletter:subscribe_done",  # the form's thanks page, without sending it
    "newsletter:archive",
    "contact:form", "contact:thanks",
    "datarights:my_data_start", "datarights:my_data_sent",  # the form's "sent" page, without sending it
    "datarights:my_data",  # without the link's cookie: the page that asks for a new link
    "datarights:retention",
]
# Pages whose address the audit cannot know (consent sits below newsletter and cannot list campaigns):
# reached from the page before them in PAGES by the first link that matches, when there is one.
FOLLOWED = {
    "newsletter:archive": (
        "newsletter:archive_campaign",
        'main a[href*="/newsletter/archive/"][href$="/"]:not([href$="/newsletter/archive/"])',
    ),
}
# Outside /nl/ and /en/, visited once.
LANGUAGE_NEUTRAL = ["robots_txt", "sitemap", "security_txt", "healthz"]
# Not visited, and why.
NOT_VISITED = {
    "set_language": "used through the language switcher on a page (a step of its own)",
    "consent:decide": "the banner's forms post here: each consent state is reached through them",
    "newsletter:confirm": "needs a token from an e-mail",
    "newsletter:confirm_resend": "needs a token from an e-mail",
    "newsletter:unsubscribe": "needs a token from an e-mail",
    "newsletter:preferences_link": "needs a token from an e-mail",
    "newsletter:preferences": "needs a token from an e-mail",
    "newsletter:suppression_webhook": "a mail provider's webhook, behind its own secret",
    "datarights:my_data_open": "needs a token from an e-mail",
    "datarights:export_download": "needs a token from an e-mail",
    "datarights:stay": "needs a token from an e-mail",
    "datarights:my_data_download": "behind the my-data link (without it: the same page as datarights:my_data)",
    "datarights:my_data_correct": "behind the my-data link (without it: the same page as datarights:my_data)",
    "datarights:my_data_erase": "behind the my-data link (without it: the same page as datarights:my_data)",
    "datarights:my_data_end": "behind the my-data link (without it: the same page as datarights:my_data)",
    "datarights:my_data_address": "behind the my-data link (without it: the same page as datarights:my_data)",
    "datarights:address_change_confirm": "needs a token from an e-mail",
    "media": "uploaded files, not pages",
    "staff_processing_record": "a staff page in the admin (Legal's record of processing activities)",
}
# Staff only; the audit is about visitors.
NOT_VISITED_NAMESPACES = ("admin",)


def _statement_paths(name: str, language: str) -> list[str]:
    """A statement page needs a document and version numbers: those a visitor in this language is shown
    (a document without a version in it is shown in the other language, with a notice)."""
    primary = settings.PRIVACY_PRIMARY_DOCUMENT
    slugs = [slug for slug, _languages in privacy_selectors.documents_for_sitemap()]
    wanted = [primary] if not name.startswith("privacy:document") else [s for s in slugs if s != primary]
    paths = []
    for slug in wanted:
        history = privacy_selectors.statement_history(slug, language)
        if history is None or not history[2]:
            continue
        numbers = sorted(v.number for v in history[2])
        kwargs = {"slug": slug} if name.startswith("privacy:document") else {}
        if name.endswith("version"):
            kwargs["number"] = numbers[-1]
        path = reverse(name, kwargs=kwargs)
        if name.endswith("diff"):
            path += f"?from={numbers[0]}&to={numbers[-1]}"
        paths.append(path)
    return paths


def _paths(name: str, language: str) -> list[str]:
    if name.startswith("privacy:"):
        return _statement_paths(name, language)
    if name == "cookies:revision":
        registry = consent_selectors.registry_state()
        return [reverse(name, kwargs={"number": registry.revision})] if registry else []
    return [reverse(name)]


def audit_steps(*, max_pages: int | None = None) -> list[Step]:
    """The walk: the pages in Dutch, the language switcher to English, the pages in English, then
    those outside a language. `max_pages` keeps the first pages of each language only."""
    steps: list[Step] = []
    languages = [code for code, _name in settings.LANGUAGES]
    for index, language in enumerate(languages):
        with translation.override(language):
            walk = [
                step for name in PAGES
                for step in (*(Step(path=path) for path in _paths(name, language)),
                             *([Step(follow=FOLLOWED[name][1])] if name in FOLLOWED else []))
            ]
        if index:
            steps.append(Step(switch_to=language))
        steps += walk[:max_pages]
    steps += [Step(path=reverse(name)) for name in LANGUAGE_NEUTRAL]
    return steps
