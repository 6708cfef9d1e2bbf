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


# Eight phases, eight lines: colours that stay apart on screen and in grey on paper (dashes).
LINE_COLOURS = (
    "#1b5e20",
    "#0d47a1",
    "#b71c1c",
    "#e65100",
    "#4a148c",
    "#006064",
    "#3e2723",
    "#827717",
)
LINE_DASHES = ("", "6,3", "2,2", "8,3,2,3", "", "6,3", "2,2", "8,3,2,3")
PLOT_LEFT, PLOT_TOP, PLOT_WIDTH, PLOT_HEIGHT = 48, 12, 560, 220


def weekly_lines(weekly: dict[str, Any], lang: str, title: str) -> Markup:
    """The campaign week by week: one line per phase, branches with the phase done on the
    last day of each week (``GET .../weekly-progress``), the branches enrolled as the
    grey ceiling; every point titled with its day and count."""
    weeks = weekly.get("weeks", [])
    phases = weekly.get("phases", [])
    legend_rows = (len(phases) + 1) // 2
    height = PLOT_TOP + PLOT_HEIGHT + 40 + 18 * legend_rows
    width = PLOT_LEFT + PLOT_WIDTH + 20
    top = max([int(w.get("branches") or 0) for w in weeks] + [1])
    parts = [
        f'<svg class="chart weekly" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]

    def x(i: int) -> float:
        return PLOT_LEFT + (PLOT_WIDTH * i / (len(weeks) - 1) if len(weeks) > 1 else 0)

    def y(n: int) -> float:
        return PLOT_TOP + PLOT_HEIGHT * (1 - n / top)

    bottom = PLOT_TOP + PLOT_HEIGHT
    parts.append(
        f'<line x1="{PLOT_LEFT}" y1="{bottom}" x2="{PLOT_LEFT + PLOT_WIDTH}" y2="{bottom}" '
        'stroke="#616161"/>'
        f'<line x1="{PLOT_LEFT}" y1="{PLOT_TOP}" x2="{PLOT_LEFT}" y2="{bottom}" '
        'stroke="#616161"/>'
        f'<text x="{PLOT_LEFT - 6}" y="{PLOT_TOP + 4}" text-anchor="end" '
        f'class="chart-label">{top}</text>'
        f'<text x="{PLOT_LEFT - 6}" y="{bottom + 4}" text-anchor="end" '
        'class="chart-label">0</text>'
    )
    if weeks:
        last = len(weeks) - 1
        for i in sorted({0, len(weeks) // 2, last}):
            anchor = "end" if i == last and last else "middle"
            parts.append(
                f'<text x="{x(i):.1f}" y="{bottom + 16}" text-anchor="{anchor}" '
                f'class="chart-label">{escape(weeks[i]["on"])}</text>'
            )
        ceiling = " ".join(
            f"{x(i):.1f},{y(int(w.get('branches') or 0)):.1f}" for i, w in enumerate(weeks)
        )
        parts.append(
            f'<polyline points="{ceiling}" fill="none" stroke="#b0bec5" stroke-width="1.5" '
            'data-line="branches"/>'
        )
    for n, phase in enumerate(phases):
        colour = LINE_COLOURS[n % len(LINE_COLOURS)]
        dash = LINE_DASHES[n % len(LINE_DASHES)]
        name = phase.get("name_zh" if lang == "zh" else "name_en") or phase.get("key", "")
        counts = [int(w["done"].get(phase["key"], 0)) for w in weeks]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        if weeks:
            points = " ".join(f"{x(i):.1f},{y(c):.1f}" for i, c in enumerate(counts))
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"'
                f'{dashed} data-line="{escape(phase["key"])}"><title>{escape(name)}</title>'
                "</polyline>"
            )
            parts.extend(
                f'<circle cx="{x(i):.1f}" cy="{y(c):.1f}" r="2.5" fill="{colour}">'
                f"<title>{escape(name)} {escape(weeks[i]['on'])}: {c}</title></circle>"
                for i, c in enumerate(counts)
            )
        lx = PLOT_LEFT + (n % 2) * (PLOT_WIDTH // 2)
        ly = bottom + 34 + 18 * (n // 2)
        parts.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 22}" y2="{ly - 4}" stroke="{colour}" '
            f'stroke-width="2"{dashed}/>'
            f'<text x="{lx + 28}" y="{ly}" class="chart-label">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
