"""The admin's weekly accept/refuse chart: SVG geometry (core/charts.py) that the template
turns into <rect> elements."""

from dataclasses import dataclass

from consent.selectors import WeeklyRate
from core.charts import Frame

FRAME = Frame(width=640, height=220, left=44, right=8, top=10, bottom=40)


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
    return [(y, round(fraction * 100)) for y, fraction in FRAME.gridlines()]


def panels(rates: dict[str, list[WeeklyRate]], names: dict[str, str]) -> list[Panel]:
    """One panel per category: per week a bar split into the accepted share (bottom) and refused share."""
    plot_height = FRAME.plot_height
    result = []
    for key, weeks in rates.items():
        bars = []
        for index, rate in enumerate(weeks):
            accepted_height = plot_height * rate.accepted_share if rate.total else 0.0
            refused_height = plot_height - accepted_height if rate.total else 0.0
            x, width = FRAME.bar(index, len(weeks), fill=0.7)
            bars.append(Bar(
                x=round(x, 2),
                width=round(width, 2),
                accepted_y=round(FRAME.baseline - accepted_height, 2),
                accepted_height=round(accepted_height, 2),
                refused_y=FRAME.top,
                refused_height=round(refused_height, 2),
                label=rate.week.strftime("%d/%m"),
                rate=rate,
            ))
        result.append(Panel(
            key=key, name=names.get(key, key), bars=bars,
            accepted=sum(r.accepted for r in weeks), refused=sum(r.refused for r in weeks),
        ))
    return result
