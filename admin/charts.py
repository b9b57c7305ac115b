"""Charts drawn on the server as inline SVG: nothing is loaded from elsewhere, no script runs.

Colours and sizes are SVG presentation attributes (the console's Content-Security-Policy refuses inline
``style``). Every bar carries a ``<title>``, which the browser shows on hover, with its exact figures.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

from admin.words import word
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
        word("charts.t1", width=width, height=height),
        word(
            "charts.t2",
            left=left,
            BASE_COLOUR=BASE_COLOUR,
            value=left + 16,
            value2=left + 90,
            VERSION_COLOUR=VERSION_COLOUR,
            value3=left + 106,
        ),
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
            name = word("charts.t3") if key == "base" else word("charts.t4")
            parts.append(
                word(
                    "charts.t5",
                    value=x + 1,
                    h=top + plot_h - h,
                    max=max(step - 2, 1),
                    h2=h,
                    colour=colour,
                    escape=escape(b["label"]),
                    name=name,
                    b=b[key],
                )
            )
        if i % label_every == 0:
            parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" font-size="11">{b["from"]}</text>')
    parts.append(
        word(
            "charts.t6", left=left, right=width - right, plot_h=top + plot_h, value=left + plot_w / 2, value2=height - 6
        )
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
        word("charts.t7", width=width, height=height),
        f'<line x1="{mid:.1f}" x2="{mid:.1f}" y1="4" y2="{height - 24}" stroke="#888"/>',
        word("charts.t8", mid=mid, value=height - 8),
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
            word("charts.t9", code=code, c=c["name"], c2=c["changed"], _signed=_signed(total))
            + (word("charts.t10", _signed=_signed(c["mean"])) if c["mean"] is not None else "")
            + (word("charts.t11") if deduct else "")
        )
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{name}</text>')
        if total:
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{max(size, 1):.1f}" height="16" fill="{colour}">'
                f"<title>{detail}</title></rect>"
            )
        parts.append(
            word(
                "charts.t12",
                value=width - value_w + 8,
                value2=y + 14,
                escape=escape(_signed(total)),
                c=c["changed"],
                detail=detail,
            )
        )
    parts.append("</svg>")
    return Markup("".join(parts))
