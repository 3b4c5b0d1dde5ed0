"""core/charts.py draws both admin charts: on fixed data they come out exactly as the two
separate chart modules drew them before (tests/core/data/ holds their output then)."""

import itertools
from pathlib import Path

from django.utils import translation

from accesslog import charts as access_charts
from consent import charts as consent_charts
from core.charts import Frame
from tests.core.chart_data import access_stats, weekly_rates

DATA = Path(__file__).parent / "data"


def test_the_access_log_chart_is_unchanged():
    with translation.override("en"):
        svg = access_charts.stacked_bars_svg(access_stats(), title="Page views <per> day")
    assert svg == (DATA / "access_chart.svg").read_text()


def test_the_consent_chart_geometry_is_unchanged():
    drawn = repr(consent_charts.panels(weekly_rates(), {"analytics": "Analytics"})) + "\n"
    drawn += repr(consent_charts.gridlines())
    assert drawn == (DATA / "consent_chart.txt").read_text()


def test_bars_share_the_plot_and_stay_inside_it():
    frame = Frame(width=300, height=100, left=20, right=10, top=5, bottom=15)
    bars = [frame.bar(i, 9, fill=0.5) for i in range(9)]
    assert bars[0][0] > frame.left and bars[-1][0] + bars[-1][1] < frame.width - frame.right
    assert all(left[0] + left[1] < right[0] for left, right in itertools.pairwise(bars))
    assert frame.bar(0, 1000, fill=0.5, min_width=1)[1] == 1
    assert [y for y, _fraction in frame.gridlines()] == [frame.baseline, 65, 45, 25, frame.top]
