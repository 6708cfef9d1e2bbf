"""Charts drawn on the server as SVG: they render with JavaScript off and on paper."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

STATUSES = ("done", "in_progress", "not_started", "overdue")
COLOURS = {
    "done": "#2e7d32",
    "in_progress": "#1565c0",
    "not_started": "#b0bec5",
    "overdue": "#c62828",
}
ROW = 30
LABEL_WIDTH = 190
BAR_WIDTH = 520


def phase_bars(phases: list[dict[str, Any]], lang: str, labels: dict[str, str]) -> Markup:
    """One stacked bar per phase: done, in progress, not started, overdue (counts of
    branches), each segment titled with its count for screen readers and tooltips."""
    height = ROW * len(phases) + 34
    width = LABEL_WIDTH + BAR_WIDTH + 60
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(labels['chart_title'])}</title>",
    ]
    for row, phase in enumerate(phases):
        y = row * ROW + 4
        total = sum(int(phase.get(s) or 0) for s in STATUSES)
        name = phase.get("name_zh" if lang == "zh" else "name_en") or phase.get("key", "")
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end" '
            f'class="chart-label">{escape(name)}</text>'
        )
        x = float(LABEL_WIDTH)
        for status in STATUSES:
            count = int(phase.get(status) or 0)
            if not count or not total:
                continue
            w = BAR_WIDTH * count / total
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="22" '
                f'fill="{COLOURS[status]}" data-status="{status}">'
                f"<title>{escape(labels[status])}: {count}</title></rect>"
            )
            if w > 24:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + 16}" text-anchor="middle" '
                    f'class="chart-count">{count}</text>'
                )
            x += w
        parts.append(
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 16}" '
            f'class="chart-label">{total}</text>'
        )
    legend_y = ROW * len(phases) + 12
    x = LABEL_WIDTH
    for status in STATUSES:
        parts.append(
            f'<rect x="{x}" y="{legend_y}" width="12" height="12" fill="{COLOURS[status]}"/>'
            f'<text x="{x + 16}" y="{legend_y + 11}" class="chart-label">'
            f"{escape(labels[status])}</text>"
        )
        x += 130
    parts.append("</svg>")
    return Markup("".join(parts))


def rate_bar(rate: float | None, target: float, label: str) -> Markup:
    """A rate against its target (e.g. the standalone rate against 30%)."""
    width, height = 300, 26
    shown = 0.0 if rate is None else max(0.0, min(1.0, rate))
    colour = COLOURS["done"] if rate is not None and rate >= target else COLOURS["overdue"]
    return Markup(
        f'<svg class="rate" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
        f'<rect x="0" y="4" width="{width}" height="16" fill="#eceff1"/>'
        f'<rect x="0" y="4" width="{width * shown:.1f}" height="16" fill="{colour}"/>'
        f'<line x1="{width * target:.1f}" y1="0" x2="{width * target:.1f}" y2="{height}" '
        'stroke="#212121" stroke-width="2" stroke-dasharray="3,2"/></svg>'
    )
