"""Bar charts drawn by the site itself as inline SVG: the geometry both the access-log chart
and the consent chart are built on.

No chart library, no script and no style attribute: the numbers here become <rect>, <line>
and <text> elements with presentation attributes, which the Content-Security-Policy does
not govern, so a chart renders under the strict policy and without JavaScript.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Frame:
    """A chart's canvas: its size and the margins around the plot area (for axis labels and a legend)."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> int:
        """The y of the plot's bottom edge, where bars stand."""
        return self.height - self.bottom

    def y(self, fraction: float) -> float:
        """The y of a value that is this fraction of the plot's full height (0 at the baseline, 1 at the top)."""
        return self.top + self.plot_height * (1 - fraction)

    def gridlines(self, steps: int = 4) -> list[tuple[float, float]]:
        """(y, fraction) of evenly spaced horizontal lines from the baseline (0) to the top (1)."""
        return [(self.y(i / steps), i / steps) for i in range(steps + 1)]

    def slot(self, count: int) -> float:
        """The horizontal room of one of `count` bars side by side."""
        return self.plot_width / max(count, 1)

    def bar(self, index: int, count: int, *, fill: float, min_width: float = 0) -> tuple[float, float]:
        """(x, width) of bar `index` of `count`: `fill` of its slot wide, centred in it."""
        slot = self.slot(count)
        width = max(slot * fill, min_width)
        return self.left + index * slot + (slot - width) / 2, width
