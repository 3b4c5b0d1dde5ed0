"""Property-based tests: random, hostile input against every public endpoint.

Each test counts the cases it tried; the totals are printed at the end of the run
(`-s` or the terminal summary) so the report can say how many cases were tried.
"""

from collections import Counter

import pytest
from hypothesis import HealthCheck, settings

CASES: Counter = Counter()

settings.register_profile(
    "ilumen",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("ilumen")


@pytest.fixture
def count_case(request):
    def _count() -> None:
        CASES[request.node.originalname] += 1

    return _count


def pytest_terminal_summary(terminalreporter):
    if CASES:
        terminalreporter.section("property-based cases tried")
        for name, count in sorted(CASES.items()):
            terminalreporter.write_line(f"{count:6d}  {name}")
        terminalreporter.write_line(f"{sum(CASES.values()):6d}  total")
