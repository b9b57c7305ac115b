"""Charts drawn on the server as inline SVG: nothing is loaded from elsewhere, no script runs.

Colours and sizes are SVG presentation attributes (the console's Content-Security-Policy refuses inline
``style``). Every bar carries a ``<title>``, which the browser shows on hover, with its exact figures.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

from engine.canonical import plain_number

BASE_COLOUR = "#3b6ea5"
VERSION_COLOUR = "#e8863a"
GAIN_COLOUR = "#2f8f4e"
LOSS_COLOUR = "#c0392b"


def _n(value: Any) -> str:
    return str(plain_number(value)) if isinstance(value, Decimal) else str(value)


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + _n(value)


def histogram_chart(bins: list[dict[str, Any]], width: int = 760, height: int = 280) -> Markup:
    """The totals under both versions, overlaid: one translucent bar per bin and version."""
    if not bins:
        return Markup("")
    left, right, top, bottom = 48, 12, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(max(b["base"], b["version"]) for b in bins) or 1
    step = plot_w / len(bins)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="总分分布：基准版本与新版本" class="impact-chart">',
        f'<rect x="{left}" y="6" width="12" height="12" fill="{BASE_COLOUR}" fill-opacity="0.55"/>'
        f'<text x="{left + 16}" y="16" font-size="12">基准版本</text>'
        f'<rect x="{left + 90}" y="6" width="12" height="12" fill="{VERSION_COLOUR}" fill-opacity="0.55"/>'
        f'<text x="{left + 106}" y="16" font-size="12">新版本</text>',
    ]
    for k in range(5):  # horizontal grid and the count axis
        count = round(peak * k / 4)
        y = top + plot_h - plot_h * count / peak
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{count}</text>'
        )
    label_every = max(1, round(len(bins) / 10))
    for i, b in enumerate(bins):
        x = left + i * step
        for key, colour in (("base", BASE_COLOUR), ("version", VERSION_COLOUR)):
            h = plot_h * b[key] / peak
            name = "基准版本" if key == "base" else "新版本"
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{max(step - 2, 1):.1f}" height="{h:.1f}" '
                f'fill="{colour}" fill-opacity="0.55"><title>{escape(b["label"])} {name}：{b[key]} 人</title></rect>'
            )
        if i % label_every == 0:
            parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" font-size="11">{b["from"]}</text>')
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#888"/>'
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" font-size="12" text-anchor="middle">总分（分）</text>'
        "</svg>"
    )
    return Markup("".join(parts))


def change_bars(indicators: dict[str, dict[str, Any]], kinds: dict[str, str] | None = None, width: int = 760) -> Markup:
    """The change of each indicator's points summed over the population, as bars either side of zero.

    A bar is green where applicants gain by the change and red where they lose: for an indicator of a
    deduction category (``kinds`` maps category codes to add or deduct) more points mean a lower total.
    """
    rows = list(indicators.items())
    if not rows:
        return Markup("")
    kinds = kinds or {}
    row_h, label_w, value_w = 22, 190, 150
    height = row_h * len(rows) + 30
    mid = label_w + (width - label_w - value_w) / 2
    half = (width - label_w - value_w) / 2 - 4
    peak = max(abs(c["sum"]) for _, c in rows) or Decimal(1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="各指标项得分变化合计" class="impact-chart">',
        f'<line x1="{mid:.1f}" x2="{mid:.1f}" y1="4" y2="{height - 24}" stroke="#888"/>',
        f'<text x="{mid:.1f}" y="{height - 8}" font-size="11" text-anchor="middle">0（左：减少，右：增加）</text>',
    ]
    for i, (code, c) in enumerate(rows):
        y = 6 + i * row_h
        total: Decimal = c["sum"]
        size = float(abs(total) / peak) * half
        deduct = kinds.get(c.get("category", "")) == "deduct"
        good = (total > 0) != deduct
        colour = GAIN_COLOUR if good else LOSS_COLOUR
        x = mid if total >= 0 else mid - size
        name = escape(f"{code} {c['name']}"[:14])
        detail = escape(
            f"{code} {c['name']}：{c['changed']} 人得分变化，合计 {_signed(total)} 分"
            + (f"，变化者人均 {_signed(c['mean'])} 分" if c["mean"] is not None else "")
            + ("（减分项：正值为多扣分）" if deduct else "")
        )
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{name}</text>')
        if total:
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{max(size, 1):.1f}" height="16" fill="{colour}">'
                f"<title>{detail}</title></rect>"
            )
        parts.append(
            f'<text x="{width - value_w + 8}" y="{y + 14}" font-size="12">{escape(_signed(total))}'
            f"（{c['changed']} 人）<title>{detail}</title></text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
