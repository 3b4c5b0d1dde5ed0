"""The plain-text part made from a campaign's HTML reads as plain-text mail does: headings
underlined, quotes after "> ", lists with bullets or numbers, links with their address."""

from core.richtext import html_to_text, render_markdown

MARKDOWN = """## News of the *week*

Our **new** battery. Read [more](https://www.ilumen.be/en/battery).

> A quote
> that goes on
>
> - with a list

### Details

1. one
2. two
"""


def test_headings_quotes_lists_and_links_read_naturally():
    assert html_to_text(render_markdown(MARKDOWN).html) == (
        "News of the week\n================\n\n"
        "Our new battery. Read more (https://www.ilumen.be/en/battery).\n\n"
        "> A quote that goes on\n>\n> - with a list\n\n"
        "Details\n-------\n\n"
        "1. one\n2. two"
    )
