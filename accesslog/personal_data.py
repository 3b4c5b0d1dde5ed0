"""The access log for datarights.registry: held, but not linkable to an e-mail address.

A page view records an IP address, never an e-mail address, and no form on the site
stores the IP address it was sent from, so nothing joins the two. The export says so
instead of guessing; the retention rules truncate and delete the rows on their own.
"""

import datetime

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from datarights import registry


def _explanation() -> str:
    return gettext(
        "The web server logs each page view: time, page address (without anything personal in it), result, "
        "language and IP address. It never records an e-mail address, and no form on this site stores the IP "
        "address it was sent from, so these rows cannot be linked to your e-mail address and are not part of "
        "this export. IP addresses are shortened after %(truncate)d days and the rows deleted after %(keep)d days."
    ) % {"truncate": settings.ACCESS_LOG_IP_TRUNCATE_DAYS, "keep": settings.ACCESS_LOG_KEEP_DAYS}


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
        kept=(explanation,),
        order=80,
    )
)
