"""The record of processing activities (GDPR Art. 30(1)), built from the personal-data registry.

Each registered source declares its processing (core.registry.Processing) and names its
retention rules (core.retention), whose periods come from the settings; the controller and
the hosting provider come from the company details, the e-mail service from the mail settings.
So the record cannot drift from what the code does. It is read in the active language: the
admin page in the staff member's, the CSV in the language asked for.
"""

import csv
import io
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import registry, retention
from newsletter.services.exports import BOM, DELIMITER, csv_cell
from pages.selectors import company_identity_text, company_profile

PERMISSION = "datarights.view_processing_record"

# The record's columns after the activity's name, in the order of Art. 30(1).
FIELDS = (
    ("purposes", _("Purposes")),
    ("bases", _("Legal basis")),
    ("subjects", _("Categories of data subjects")),
    ("data", _("Categories of personal data")),
    ("recipients", _("Recipients")),
    ("transfers", _("Transfers outside the European Economic Area")),
    ("retention", _("Retention")),
)


@dataclass(frozen=True)
class Activity:
    name: str
    purposes: list[str]
    bases: list[str]
    subjects: list[str]
    data: list[str]
    recipients: list[str]
    transfers: list[str]
    retention: list[str]

    @property
    def fields(self) -> list[tuple[str, list[str]]]:
        """(column label, lines) in the record's order."""
        return [(str(label), getattr(self, name)) for name, label in FIELDS]


@dataclass(frozen=True)
class Record:
    controller: str
    activities: list[Activity]


def _controller() -> str:
    profile = company_profile()
    if profile is None:
        return gettext("Not filled in: complete the company details.")
    contact = profile.privacy_email or profile.email
    return f"{company_identity_text()} · {gettext('Privacy contact')}: {contact}"


def _processor_names() -> dict[registry.Processor, str]:
    profile = company_profile()
    hosting = ", ".join(part for part in (profile.hosting_name, profile.hosting_address) if part) if profile else ""
    # The provider's name for anymail, else the SMTP relay's host: what this deployment sends through.
    mail = settings.MAIL_PROVIDER or settings.MAILERS["default"].get("OPTIONS", {}).get("host", "")
    return {
        registry.Processor.HOSTING: hosting or gettext("not named in the company details"),
        registry.Processor.MAIL: mail or gettext("no e-mail service configured"),
    }


def _activity(processing: registry.Processing, processors: dict[registry.Processor, str]) -> Activity:
    rules = {rule.key: rule for rule in retention.rules()}
    return Activity(
        name=str(processing.activity),
        purposes=[str(text) for text in processing.purposes],
        bases=[f"{basis.ground.label}: {basis.explanation}" for basis in processing.bases],
        subjects=[str(text) for text in processing.subjects],
        data=[str(text) for text in processing.data],
        recipients=[
            *(f"{processor.label}: {processors[processor]}" for processor in processing.processors),
            *(str(text) for text in processing.recipients),
            *([] if processing.recipients else [gettext("No recipients outside iLumen other than these processors.")]),
        ],
        transfers=[str(processing.transfers)],
        retention=[
            *(f"{rules[key].what}: {rules[key].period} {rules[key].counted_from}" for key in processing.retention),
            *(str(text) for text in processing.kept),
        ],
    )


def processing_record() -> Record:
    """The record, one activity per registered source, in the active language."""
    processors = _processor_names()
    return Record(
        controller=_controller(),
        activities=[
            _activity(source.processing, processors) for source in registry.sources() if source.processing is not None
        ],
    )


def processing_record_csv() -> str:
    """The record as a CSV file (one row per activity, lines of a cell on lines of their own), in the
    active language, every cell escaped against spreadsheet formulas."""
    record = processing_record()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER)
    writer.writerow([csv_cell(gettext("Activity")), csv_cell(gettext("Controller")),
                     *(csv_cell(label) for _name, label in FIELDS)])
    for activity in record.activities:
        writer.writerow([
            csv_cell(activity.name), csv_cell(record.controller),
            *(csv_cell("\n".join(lines)) for _label, lines in activity.fields),
        ])
    return BOM + out.getvalue()
