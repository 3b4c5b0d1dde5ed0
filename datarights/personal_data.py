"""This app's own records for core.registry and their retention rules, and the admin's
history (django.contrib.admin is no app of this project's, so its source is declared here).

Found by autodiscovery, like every app's personal_data module (DatarightsConfig.ready()).
"""

import datetime
import re

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import registry, retention
from datarights.models import (
    AccessLink,
    DataRequest,
    DataRequestNote,
    ErasureRecord,
    ExportLink,
    ProfileActivity,
    RetentionNotice,
)
from mail import selectors as mail_selectors
from mail.hashing import address_hash


def _iso(value: datetime.datetime | datetime.date | None) -> str | None:
    return value.isoformat() if value else None


# --- datarights itself ----------------------------------------------------------------


def _requests_export(address: str) -> registry.Records:
    hashed = address_hash(address)
    requests = DataRequest.objects.filter(Q(subject_hash=hashed) | Q(subject_email__iexact=address)).prefetch_related(
        "events"
    )
    links = AccessLink.objects.filter(email__iexact=address).order_by("created_at")
    notes = DataRequestNote.objects.filter(request__in=requests.order_by())
    downloads = ExportLink.objects.filter(email__iexact=address).order_by("created_at")
    return {
        "data_requests": [
            {
                "type": r.kind, "received_by": r.channel, "status": r.status, "received_on": _iso(r.received_on),
                "due_on": _iso(r.due_on), "closed_at": _iso(r.closed_at), "outcome": r.outcome,
                "identity_verified_by": r.identity_method, "identity_note": r.identity_note,
                "history": [
                    {"at": _iso(e.at), "action": e.action,
                     "by": "you (self-service)" if e.actor_label == "self-service" else "iLumen staff"}
                    for e in r.events.all()
                ],
            }
            for r in requests.order_by("received_on", "pk")
        ],
        "my_data_links": [
            {"requested_at": _iso(link.created_at), "expires_at": _iso(link.expires_at),
             "opened_at": _iso(link.used_at)}
            for link in links
        ],
        "staff_notes": [{"at": _iso(note.at), "note": note.text} for note in notes],
        "export_links": [
            {"sent_at": _iso(link.created_at), "expires_at": _iso(link.expires_at),
             "downloaded_at": _iso(link.downloaded_at)}
            for link in downloads
        ],
        "suppression": [
            {"keyed_hash": s.address_hash, "reason": s.reason, "since": _iso(s.created_at)}
            for s in mail_selectors.suppressions_of(hashed=hashed)
        ],
        "erasures": [
            {"keyed_hash": e.address_hash, "erased_at": _iso(e.erased_at)}
            for e in ErasureRecord.objects.filter(address_hash=hashed).order_by("erased_at")
        ],
        "inactivity": [
            *({"warned_at": _iso(n.warned_at)} for n in RetentionNotice.objects.filter(address_hash=hashed)),
            *({"stayed_at": _iso(a.last_active_at)} for a in ProfileActivity.objects.filter(address_hash=hashed)),
        ],
    }


def _requests_erase(address: str, created_before: datetime.datetime | None = None) -> dict[str, int]:
    links = AccessLink.objects.filter(email__iexact=address)
    downloads = ExportLink.objects.filter(email__iexact=address)
    requests = DataRequest.objects.filter(subject_email__iexact=address)
    notes = DataRequestNote.objects.filter(request__subject_hash=address_hash(address))
    if created_before is not None:
        links = links.filter(created_at__lt=created_before)
        downloads = downloads.filter(created_at__lt=created_before)
        requests = requests.filter(created_at__lt=created_before)
        notes = notes.filter(at__lt=created_before)
    deleted_links, _detail = links.delete()
    deleted_downloads, _detail = downloads.delete()
    deleted_notes, _detail = notes.delete()
    # The requests stay, as proof that they were answered, with only the keyed hash.
    anonymised = requests.update(subject_email="", identity_note="")
    return {"my_data_links": deleted_links, "export_links": deleted_downloads, "staff_notes": deleted_notes,
            "data_requests": anonymised}


def _requests_addresses():
    yield from AccessLink.objects.values_list("email", flat=True).distinct().iterator(chunk_size=2000)
    yield from ExportLink.objects.values_list("email", flat=True).distinct().iterator(chunk_size=2000)
    yield from (
        DataRequest.objects.exclude(subject_email="").values_list("subject_email", flat=True).distinct()
        .iterator(chunk_size=2000)
    )


def _kept_requests() -> str:
    return gettext(
        "A record of each request you made (its type, dates and status, with a keyed hash of your address instead "
        "of the address itself), kept %(years)s as proof that we answered it."
    ) % {"years": retention.period_text(settings.DATA_REQUEST_KEEP_DAYS)}


registry.register(
    registry.Source(
        key="data_rights",
        title=_("Your requests about your data"),
        explanation=_("Requests to see, correct or erase your data, made on this website or to our staff."),
        models=(
            "datarights.DataRequest", "datarights.DataRequestEvent", "datarights.DataRequestNote",
            "datarights.ExportLink", "datarights.AccessLink",
            "datarights.ErasureRecord", "mail.Suppression", "datarights.RetentionNotice",
            "datarights.ProfileActivity",
        ),
        kinds=(
            registry.Kind("data_requests", _("Each request: its type, how it reached us, when, and what was done.")),
            registry.Kind("my_data_links", _("The links to this page that were sent to your address.")),
            registry.Kind(
                "staff_notes",
                _("Notes our staff made while handling an open request of yours; deleted when the request closes."),
            ),
            registry.Kind(
                "export_links", _("The links to download your data that we sent with our answer to a request."),
            ),
            registry.Kind(
                "suppression",
                _("A keyed hash of your address on our suppression list: no campaign may reach the address. "
                  "It cannot be turned back into the address. A new, confirmed subscription lifts it."),
            ),
            registry.Kind(
                "erasures",
                _("Earlier erasures of your data, logged as a keyed hash so we can apply them again if a backup is "
                  "ever restored."),
            ),
            registry.Kind(
                "inactivity",
                _("When we warned you that an inactive newsletter profile would be deleted, and when you chose to "
                  "stay."),
            ),
        ),
        export=_requests_export,
        erase=_requests_erase,
        kept=(
            _("A keyed hash (HMAC) of your address on the suppression list, so that no campaign reaches it again. "
              "It cannot be turned back into your address. If you subscribe again later and confirm, that lifts it."),
            _("The same keyed hash in our erasure log, so that we can apply your erasure again if we ever have to "
              "restore the database from a backup."),
            lazy(_kept_requests, str)(),
        ),
        processing=registry.Processing(
            activity=_("Handling requests about personal data"),
            purposes=(
                _("Answering requests to access, correct, erase or export personal data within the legal "
                  "deadlines, and keeping proof that we did."),
                _("Making sure that an erased or unsubscribed address is never mailed again, also after a backup "
                  "is restored."),
                _("Warning the holders of inactive newsletter profiles before their deletion."),
            ),
            bases=(
                registry.Basis(
                    registry.LegalBasis.LEGAL_OBLIGATION,
                    _("GDPR Art. 12 to 21 oblige us to answer these requests and to respect an erasure or "
                      "objection; Art. 5(2) to show that we did."),
                ),
                registry.Basis(
                    registry.LegalBasis.LEGITIMATE_INTEREST,
                    _("Our interest in keeping the promise of our privacy statement to delete inactive profiles, "
                      "and to let their holders choose to stay."),
                ),
            ),
            subjects=(
                _("People who make a request about their data, on the website or to our staff"),
                _("People whose address was erased, unsubscribed, bounced or complained (as a keyed hash)"),
                _("Holders of inactive newsletter profiles"),
            ),
            data=(
                _("E-mail address (replaced by a keyed hash when the request closes), the request's type, channel, "
                  "dates, steps and outcome"),
                _("How the identity was verified (the method and a short note, never a document) and staff notes"),
                _("The links to the my-data page and to a download of the data that were sent"),
                _("Keyed hashes of addresses on the suppression list and in the erasure log; dates of inactivity "
                  "warnings and of choosing to stay"),
            ),
            processors=(registry.Processor.HOSTING, registry.Processor.MAIL),
            retention=("data_requests", "access_links", "export_links"),
            kept=(
                _("The keyed hashes on the suppression list and in the erasure log: as long as the address must not "
                  "be mailed again (a new, confirmed subscription lifts the suppression). A hash cannot be turned "
                  "back into the address."),
                _("Identity notes and staff notes: until the request closes."),
            ),
        ),
        addresses=_requests_addresses,
        order=90,
    )
)


# --- The admin's history (django.contrib.admin) ---------------------------------------


# Characters that may stand next to an address inside it: before it, any local-part character;
# after it, anything that would extend the domain ("e@example.com.evil.test"). A full stop
# followed by a space or the end is punctuation, so "… to e@example.com." still names it.
_BEFORE_ADDRESS = r"(?<![\w.!#$%&'*+/=?^`{|}~-])"
_AFTER_ADDRESS = r"(?![\w-]|\.[\w-])"


def _names_address(text: str, address: str) -> bool:
    """Whether `text` contains `address` whole, not as part of a longer address."""
    return re.search(_BEFORE_ADDRESS + re.escape(address) + _AFTER_ADDRESS, text, re.IGNORECASE) is not None


def _log_entries(address: str):
    # The database narrows to entries containing the text; only whole-address mentions count,
    # or erasing e@example.com would take alice@example.com's history with it.
    candidates = LogEntry.objects.filter(Q(object_repr__icontains=address) | Q(change_message__icontains=address))
    ids = [
        pk for pk, representation, message in candidates.values_list("pk", "object_repr", "change_message")
        if _names_address(representation, address) or _names_address(message, address)
    ]
    return LogEntry.objects.filter(pk__in=ids)


def _admin_log_export(address: str) -> registry.Records:
    return {
        "admin_history": [
            {"at": _iso(e.action_time), "record_type": e.content_type.model if e.content_type else None,
             "action": {1: "added", 2: "changed", 3: "deleted"}.get(e.action_flag, str(e.action_flag))}
            for e in _log_entries(address).select_related("content_type").order_by("action_time")
        ]
    }


def _admin_log_erase(address: str, created_before: datetime.datetime | None = None) -> dict[str, int]:
    entries = _log_entries(address)
    if created_before is not None:
        entries = entries.filter(action_time__lt=created_before)
    deleted, _detail = entries.delete()
    return {"admin_history": deleted}


registry.register(
    registry.Source(
        key="admin_history",
        title=_("Staff history"),
        explanation=_("Our staff's change history, where an entry names your address."),
        models=("admin.LogEntry",),
        kinds=(registry.Kind("admin_history", _("When our staff added, changed or deleted a record naming you.")),),
        processing=registry.Processing(
            activity=_("The staff's change history in the administration"),
            purposes=(_("Knowing which staff member added, changed or deleted which record, and when."),),
            bases=(registry.Basis(
                registry.LegalBasis.LEGITIMATE_INTEREST,
                _("Our interest in an administration whose changes can be traced, to correct mistakes and detect "
                  "misuse."),
            ),),
            subjects=(
                _("Our staff members"),
                _("People whose address appears in the name of a record that was changed"),
            ),
            data=(_("Staff account, time, type of record, the record's name as shown (which may contain an e-mail "
                    "address) and a description of the change"),),
            processors=(registry.Processor.HOSTING,),
            kept=(_("No time limit: it is the administration's audit trail. Entries naming an address are deleted "
                    "when that address's data are erased."),),
        ),
        export=_admin_log_export,
        erase=_admin_log_erase,
        order=95,
    )
)


# --- Models of other apps that hold no data subject's data ---------------------------------

registry.exempt("pages.CompanyProfile", "iLumen's own business contact details, not a data subject's.")


# --- Retention of this app's records ---------------------------------------------------------


def _data_requests_purge(ctx: retention.RunContext) -> dict[str, int]:
    due = DataRequest.objects.filter(
        status__in=[DataRequest.Status.DONE, DataRequest.Status.REFUSED],
        closed_at__lt=ctx.cutoff(settings.DATA_REQUEST_KEEP_DAYS),
    )
    return {"data requests": retention.delete_in_batches(due, ctx, "data_requests")}


def _access_links_purge(ctx: retention.RunContext) -> dict[str, int]:
    due = AccessLink.objects.filter(expires_at__lt=ctx.cutoff(settings.DATARIGHTS_LINK_KEEP_DAYS))
    return {"my-data links": retention.delete_in_batches(due, ctx, "access_links")}


def _export_links_purge(ctx: retention.RunContext) -> dict[str, int]:
    due = ExportLink.objects.filter(expires_at__lt=ctx.cutoff(settings.DATARIGHTS_LINK_KEEP_DAYS))
    return {"export links": retention.delete_in_batches(due, ctx, "export_links")}


retention.register(retention.Rule(
    key="data_requests", what=_("Records of requests about your data (with a keyed hash instead of the address)"),
    setting="DATA_REQUEST_KEEP_DAYS", counted_from=_("after the request was closed"),
    why=_("Proof that we answered each request in time."), run=_data_requests_purge, order=40,
))
retention.register(retention.Rule(
    key="access_links", what=_("Links to the my-data page"), setting="DATARIGHTS_LINK_KEEP_DAYS",
    counted_from=_("after they expired"),
    why=_("A link works once and for a short time; the record of it is then removed."), run=_access_links_purge,
    order=41,
))
retention.register(retention.Rule(
    key="export_links", what=_("Links to download your data, sent with our answer to a request"),
    setting="DATARIGHTS_LINK_KEEP_DAYS", counted_from=_("after they expired"),
    why=_("The link works for a short time; the record of it, with the address it serves, is then removed."),
    run=_export_links_purge, order=42,
))
