"""What a screen reader hears about form errors: each field with an error is marked invalid and
names the element that holds its message (WCAG 3.3.1 and 1.3.1)."""

from html.parser import HTMLParser


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str]] = []  # inputs, selects, textareas and fieldsets, with their attributes
        self.texts: dict[str, list[str]] = {}  # element id -> its text
        self._open: list[str] = []
        self._groups: list[str] = []  # the aria-describedby of each fieldset the parser is inside

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag in ("input", "select", "textarea", "fieldset") and attributes.get("type") != "hidden":
            self.controls.append({"tag": tag, "group": " ".join(self._groups), **attributes})
        if tag == "fieldset":
            self._groups.append(attributes.get("aria-describedby", ""))
        if tag not in ("input", "br", "img", "meta", "link"):
            self._open.append(attributes.get("id", ""))
            if attributes.get("id"):
                self.texts[attributes["id"]] = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "fieldset" and self._groups:
            self._groups.pop()
        if tag not in ("input", "br", "img", "meta", "link") and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for element_id in filter(None, self._open):
            self.texts[element_id].append(data)


def errors_heard(html: str) -> dict[str, str]:
    """For each control marked invalid (by name), and each group of controls whose description is
    an error message (a fieldset, by that message's id): the text of the elements it names.
    Fails when an invalid control names no message or one not in the page, and when an error
    message (an id ending in "_error") is named by no control."""
    parser = _Fields()
    parser.feed(html)
    heard = {}
    for control in parser.controls:
        described = control.get("aria-describedby", "").split()
        errors = [element_id for element_id in described if element_id.endswith("_error")]
        if control.get("aria-invalid") != "true" and not (control["tag"] == "fieldset" and errors):
            continue
        in_group = any(element_id.endswith("_error") for element_id in control["group"].split())
        if not errors and in_group:
            continue  # a checkbox of a group whose fieldset names the message
        assert errors, f"{control} is invalid but names no error message"
        missing = [element_id for element_id in described if element_id not in parser.texts]
        assert not missing, f"{control} names elements not in the page: {missing}"
        key = control.get("name") if control["tag"] != "fieldset" else errors[0]
        heard[key] = " ".join(" ".join("".join(parser.texts[i]).split()) for i in errors)
    named = {element_id for control in parser.controls for element_id in control.get("aria-describedby", "").split()}
    orphans = [element_id for element_id in parser.texts if element_id.endswith("_error") and element_id not in named]
    assert not orphans, f"error messages no field names: {orphans}"
    return heard
