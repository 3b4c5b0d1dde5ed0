"""The admin's weekly accept/refuse chart, drawn on the server as plain SVG geometry.

No chart library and nothing from other hosts: the template turns these numbers into
<rect> elements, so the chart works under the strict CSP and without JavaScript.
"""

from dataclasses import dataclass

from privacy.selectors import WeeklyRate

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 40


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    accepted_y: float
    accepted_height: float
    refused_y: float
    refused_height: float
    label: str
    rate: WeeklyRate


@dataclass(frozen=True)
class Panel:
    key: str
    name: str
    bars: list[Bar]
    accepted: int
    refused: int

    @property
    def accepted_share(self) -> float:
        total = self.accepted + self.refused
        return self.accepted / total if total else 0.0


def gridlines() -> list[tuple[float, int]]:
    """(y, percentage) of the horizontal lines at 0, 25, 50, 75 and 100%."""
    plot = HEIGHT - TOP - BOTTOM
    return [(TOP + plot * (1 - pct / 100), pct) for pct in (0, 25, 50, 75, 100)]


def panels(rates: dict[str, list[WeeklyRate]], names: dict[str, str]) -> list[Panel]:
    """One panel per category: per week a bar split into the accepted share (bottom) and refused share."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    result = []
    for key, weeks in rates.items():
        slot = plot_width / max(len(weeks), 1)
        bars = []
        for index, rate in enumerate(weeks):
            accepted_height = plot_height * rate.accepted_share if rate.total else 0.0
            refused_height = plot_height - accepted_height if rate.total else 0.0
            bars.append(Bar(
                x=round(LEFT + index * slot + slot * 0.15, 2),
                width=round(slot * 0.7, 2),
                accepted_y=round(TOP + plot_height - accepted_height, 2),
                accepted_height=round(accepted_height, 2),
                refused_y=TOP,
                refused_height=round(refused_height, 2),
                label=rate.week.strftime("%d/%m"),
                rate=rate,
            ))
        result.append(Panel(
            key=key, name=names.get(key, key), bars=bars,
            accepted=sum(r.accepted for r in weeks), refused=sum(r.refused for r in weeks),
        ))
    return result
