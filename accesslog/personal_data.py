"""The access log for core.registry: held, but not found by an e-mail address.

A page view records the client's network (the IP address truncated when written), never an
e-mail address or a name. That does not make the rows anonymous: combined with other
records (a confirmation's time, say) some could be tied to a person. So the export does not
promise they cannot be linked; it says what is true (GDPR Art. 11(2)): the site cannot tell
whose they are without more information from the visitor.

The rows' retention rule is declared here too (run by core.retention; this module is
found by autodiscovery).
"""

import datetime

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accesslog.models import PageView
from core import registry, retention


def _explanation() -> str:
    return gettext(
        "The web server logs each page view: time, page address (without anything personal in it), result, "
        "language and a shortened IP address (the network, without its last part: the full address is never "
        "stored). These rows hold no e-mail address or name, so the website cannot tell which of them are yours "
        "without extra information from you (GDPR Art. 11(2)), and they are not part of this export. If you give "
        "us such information, such as the times of your visits and your network, we will look for them. The rows "
        "are deleted after %(keep)d days."
    ) % {"keep": settings.ACCESS_LOG_KEEP_DAYS}


explanation = lazy(_explanation, str)()


def export(address: str) -> registry.Records:
    return {"access_log": []}


def erase(address: str, created_before: datetime.datetime | None = None) -> dict[str, int]:
    return {"access_log": 0}


registry.register(
    registry.Source(
        key="access_log",
        title=_("Access log"),
        explanation=explanation,
        models=("accesslog.PageView",),
        kinds=(registry.Kind("access_log", explanation, linkable=False),),
        export=export,
        erase=erase,
        processing=registry.Processing(
            activity=_("The web server's access log"),
            purposes=(_("Keeping the website secure and working, and counting page views for anonymous "
                        "statistics."),),
            bases=(registry.Basis(
                registry.LegalBasis.LEGITIMATE_INTEREST,
                _("Our interest in a secure, working website and in knowing which pages are used, without "
                  "analysing any visitor's behaviour."),
            ),),
            subjects=(_("Visitors of the website"),),
            data=(_("Time, page address (without tokens or e-mail addresses), result, language and the IP "
                    "address shortened to its network"),),
            processors=(registry.Processor.HOSTING,),
            retention=("access_log_delete",),
        ),
        kept=(explanation,),
        order=80,
    )
)


def _purge(ctx: retention.RunContext) -> dict[str, int]:
    due = PageView.objects.filter(time__lt=ctx.cutoff(settings.ACCESS_LOG_KEEP_DAYS))
    return {"page views": retention.delete_in_batches(due, ctx, "access_log_delete")}


retention.register(retention.Rule(
    key="access_log_delete", what=_("The web server's access log (IP addresses shortened when written)"),
    setting="ACCESS_LOG_KEEP_DAYS", counted_from=_("after the visit"),
    why=_("Basic logs for security and anonymous statistics; never analysed per visitor."), run=_purge, order=80,
))
