"""The one check for a person's name, wherever a name comes in (forms, the admin, imports),
and the one "single line of text" rule for anything else that can end up in a mail header.

A name ends up in mail headers (a campaign's To), admin lists and exports, so it is one line
of printable text of bounded length. The mail builder strips the same characters again
(`one_line`), because names stored before this check existed were never refused.
"""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 150

# Zero-width (non-)joiners are format characters that some scripts and emoji need in names.
_JOINERS = frozenset("\u200c\u200d")


def _refused(char: str) -> bool:
    """Control, format, surrogate, private-use and unassigned characters, and line or paragraph
    separators (U+2028/U+2029 break lines in some mail and text tools)."""
    category = unicodedata.category(char)
    return (category[0] == "C" and char not in _JOINERS) or category in ("Zl", "Zp")


def is_one_line(value: str) -> bool:
    """True when the text holds no character that could break a line or a mail header."""
    return value.isprintable() or not any(_refused(char) for char in value)


def one_line_validate(value: str) -> None:
    """For form fields whose text may end up in a mail header or a list (a contact subject)."""
    if not is_one_line(value):
        raise ValidationError(_("Please use a single line of text."), code="control_characters")


def person_name_validate(value: str) -> None:
    if len(value) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("A name can have at most %(limit)d characters."), code="name_too_long",
            params={"limit": NAME_MAX_LENGTH},
        )
    if not is_one_line(value):
        raise ValidationError(
            _("A name can only hold letters, digits, spaces and punctuation, on one line."),
            code="name_control_characters",
        )


def one_line(value: str) -> str:
    """The text with every character a name may not hold turned into a space, and runs of
    whitespace (line breaks included) collapsed: safe inside a mail header whatever it was given."""
    if not value.isprintable():
        value = "".join(" " if _refused(char) else char for char in value)
    return " ".join(value.split())


class PersonNameField(forms.CharField):
    """A form field for a person's name. Its one validator also covers the length and NUL
    checks CharField would add, so a refused name gets one clear message, not two."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators = [person_name_validate]

    def widget_attrs(self, widget: forms.Widget) -> dict:
        return {**super().widget_attrs(widget), "maxlength": str(NAME_MAX_LENGTH)}
