"""A horizontal bar chart drawn on the server as SVG (no script, no chart library): the geometry is computed here,
``_chart.html`` draws it, and a table beside it carries the same numbers for screen readers and printing."""

from __future__ import annotations

from dataclasses import dataclass

from gongji.domain.money import format_yuan

__all__ = ["Bar", "BarChart", "bar_chart"]


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value, and where it is drawn."""

    label: str
    amount_fen: int
    value_text: str
    y: int
    width: int
    text_y: int


@dataclass(frozen=True)
class BarChart:
    """A whole chart in a ``width`` × ``height`` view box."""

    width: int
    height: int
    label_width: int
    bar_height: int
    bars: list[Bar]


def bar_chart(
    items: list[tuple[str, int]],
    *,
    width: int = 360,
    label_width: int = 72,
    value_width: int = 84,
    bar_height: int = 26,
    gap: int = 12,
) -> BarChart:
    """Bars for ``items`` (label, amount in fen ≥ 0), longest for the largest amount; labels on the left and values
    at each bar's end."""
    largest = max((amount for _, amount in items), default=0)
    room = width - label_width - value_width
    bars = []
    for index, (label, amount) in enumerate(items):
        y = gap + index * (bar_height + gap)
        length = 0 if largest <= 0 or amount <= 0 else max(round(room * amount / largest), 2)
        bars.append(Bar(label, amount, format_yuan(amount), y, length, y + bar_height // 2))
    height = gap + len(items) * (bar_height + gap)
    return BarChart(width, max(height, 2 * gap), label_width, bar_height, bars)
