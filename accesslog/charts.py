"""A stacked bar chart as inline SVG, drawn by the site itself.

No script and no style attribute: colours are SVG presentation attributes, which the
Content-Security-Policy does not govern, so the chart renders under the strict policy.
Every bar has a <title> (a tooltip and an accessible name), and the page shows the same
numbers as a table.
"""

import math

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accesslog.selectors import Stats
from core.charts import Frame

PALETTE = ["#0b5d1e", "#f2b705", "#1a4fd6", "#8a5a00", "#6b6f73"]
FRAME = Frame(width=760, height=260, left=48, right=12, top=12, bottom=40)


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = int(step * magnitude)
        if candidate >= value:
            return candidate
    return 10 * magnitude


def language_colours(languages: list[str]) -> dict[str, str]:
    return {language: PALETTE[i % len(PALETTE)] for i, language in enumerate(languages)}


def stacked_bars_svg(stats: Stats, *, title: str) -> SafeString:
    colours = language_colours(stats.languages)
    plot_h = FRAME.plot_height
    top_value = _nice_max(max((day.total for day in stats.days), default=0))
    label_every = max(1, math.ceil(len(stats.days) / 10))
    parts = [
        f'<svg class="stats-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {FRAME.width} {FRAME.height}" '
        f'role="img" aria-labelledby="stats-chart-title"><title id="stats-chart-title">{escape(title)}</title>'
    ]
    for y, fraction in FRAME.gridlines():  # horizontal grid with its values
        value = top_value * fraction
        parts.append(
            f'<line x1="{FRAME.left}" x2="{FRAME.width - FRAME.right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c9d1cc" '
            f'stroke-width="1"/><text x="{FRAME.left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#4a525a">'
            f"{int(value) if value == int(value) else round(value, 1)}</text>"
        )
    for index, day in enumerate(stats.days):
        x, bar_w = FRAME.bar(index, len(stats.days), fill=0.8, min_width=1)
        y_base = FRAME.baseline
        day_label = date_format(day.day, "SHORT_DATE_FORMAT")
        for language in stats.languages:
            count = day.counts.get(language, 0)
            if not count:
                continue
            height = plot_h * count / top_value
            y_base -= height
            parts.append(
                f'<rect x="{x:.1f}" y="{y_base:.1f}" width="{bar_w:.1f}" height="{height:.1f}" '
                f'fill="{colours[language]}"><title>{escape(day_label)} · {escape(language)}: {count}</title></rect>'
            )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{FRAME.baseline + 16}" text-anchor="middle" font-size="11" '
                f'fill="#4a525a">{escape(date_format(day.day, "j/n"))}</text>'
            )
    legend_x = FRAME.left
    for language in stats.languages:
        parts.append(
            f'<rect x="{legend_x}" y="{FRAME.height - 14}" width="10" height="10" fill="{colours[language]}"/>'
            f'<text x="{legend_x + 14}" y="{FRAME.height - 5}" font-size="11" fill="#1b1f23">{escape(language)}</text>'
        )
        legend_x += 60
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  every interpolated text is escaped above
