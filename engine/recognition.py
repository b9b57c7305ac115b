"""Provincial points recognised from another city's statement (policy §三(一)1, 共性指标得分跨区互认), applied to a
result as a step after the evaluation.

The evaluator scores the facts as always; ``recognise`` then takes the provincial category's points, and each of its
indicators' points, from the statement, and computes the total again exactly as the evaluator does. The result
keeps its shape (SPEC §6): every category, indicator and item is listed. Each provincial indicator gets one more
item, first, saying where its points come from (``P1-recognised``: the issuer, the statement's application and
score); the items of the standard are still listed as evaluated here, none of them counted, each ``excluded_by``
the recognised item — as an exclusive group's lower items are.

Pure: the caller has verified the statement (its signature, year, validity and provincial hash) and stores what
it verified, so that a stored score is reproduced by applying the same claims again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from engine.model import RulesetVersion
from engine.provincial import PROVINCIAL

ZERO = Decimal(0)
SUFFIX = "-recognised"  # the recognised item's code: the indicator's code and this


@dataclass(frozen=True, slots=True)
class Recognised:
    """What a verified statement says of the provincial points: who issued it, for which score, and the points."""

    issuer: str
    sub: str
    score_id: str
    year: int
    hash: str
    points: Decimal
    indicators: Mapping[str, Decimal] = field(default_factory=dict)

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Recognised:
        """The statement's claims (its JSON payload) read; ValueError names what is missing or wrong.

        >>> Recognised.from_claims({"iss": "cn-zj-a", "sub": "A-1", "score_id": "s", "year": 2026,
        ...     "provincial": {"hash": "sha256:0", "points": 27.5, "indicators": {"P1": 20, "P4": 7.5}}}).points
        Decimal('27.5')
        """
        provincial = claims.get("provincial")
        if not isinstance(provincial, Mapping):
            raise ValueError("no provincial part")
        indicators = provincial.get("indicators")
        if not isinstance(indicators, Mapping):
            raise ValueError("no provincial indicators")
        texts = {name: claims.get(name) for name in ("iss", "sub", "score_id")}
        missing = [name for name, value in texts.items() if not isinstance(value, str) or not value]
        if missing or not isinstance(provincial.get("hash"), str):
            raise ValueError(f"missing or not text: {', '.join(missing or ['provincial.hash'])}")
        year = claims.get("year")
        if not isinstance(year, int) or isinstance(year, bool):
            raise ValueError("year is not a whole number")
        return cls(
            issuer=str(texts["iss"]),
            sub=str(texts["sub"]),
            score_id=str(texts["score_id"]),
            year=year,
            hash=provincial["hash"],
            points=_points(provincial.get("points"), "provincial.points"),
            indicators={
                str(code): _points(value, f"provincial.indicators.{code}") for code, value in indicators.items()
            },
        )

    def label(self) -> str:
        """How the explanation names the recognised points (Chinese, as the standard's labels are)."""
        return f"跨区互认：采用 {self.issuer} 签发的积分证明（申请 {self.sub}，{self.year}年度，评分 {self.score_id}）中的得分"


def _points(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{path} is not a number of points")
    return Decimal(str(value))  # the JSON number as written: 87.5 → Decimal('87.5')


def inconsistency(recognised: Recognised, version: RulesetVersion) -> str | None:
    """Why the statement's provincial points cannot be those of ``version``'s provincial table (None: they can):
    each provincial indicator named once, within its cap, and the category's points their sum within its cap.

    >>> inconsistency(Recognised("a", "A-1", "s", 2026, "sha256:0", Decimal(5), {"P9": Decimal(5)}), version)  # doctest: +SKIP
    'the provincial indicators are P1, P2, P3, P4, P5, not P9'
    """
    indicators = {i.code: i for i in version.indicators if i.category == PROVINCIAL}
    if set(recognised.indicators) != set(indicators):
        named = ", ".join(sorted(recognised.indicators)) or "none"
        return f"the provincial indicators are {', '.join(indicators)}, not {named}"
    over = [code for code, points in recognised.indicators.items() if _over(points, indicators[code].cap)]
    if over:
        return f"points above the cap of {', '.join(over)}"
    category = next((c for c in version.categories if c.code == PROVINCIAL), None)
    total = sum(recognised.indicators.values(), ZERO)
    capped = total if category is None or category.cap is None or total <= category.cap else category.cap
    if recognised.points != capped:
        return f"the provincial points {recognised.points} are not those of its indicators ({capped})"
    return None


def _over(points: Decimal, cap: Decimal | None) -> bool:
    return cap is not None and points > cap


R = TypeVar("R", bound=Mapping[str, Any])


def recognise(result: R, recognised: Recognised) -> R:
    """The result with the provincial points of ``recognised``, its total computed again; ``result`` is not changed."""
    indicators = [_indicator(ind, recognised) if ind["category"] == PROVINCIAL else ind for ind in result["indicators"]]
    raw = sum((ind["points"] for ind in indicators if ind["category"] == PROVINCIAL), ZERO)
    categories = [
        {**cat, "raw": raw, "points": recognised.points} if cat["code"] == PROVINCIAL else cat
        for cat in result["categories"]
    ]
    balance = ZERO
    for cat in categories:
        balance += cat["points"] if cat["kind"] == "add" else -cat["points"]
    total = (balance if balance > 0 else ZERO) if result["eligible"] else ZERO
    out = {**result, "total": total, "points_before_floor": balance, "categories": categories,
           "indicators": indicators}  # fmt: skip
    return out  # type: ignore[return-value]


def _indicator(indicator: Mapping[str, Any], recognised: Recognised) -> dict[str, Any]:
    points = recognised.indicators.get(indicator["code"], ZERO)
    code = indicator["code"] + SUFFIX
    item = {"code": code, "label": recognised.label(), "fired": True, "raw": points, "cap": None, "points": points,
            "counted": True}  # fmt: skip
    others = [{**it, "counted": False, "excluded_by": code} for it in indicator["items"]]
    return {**indicator, "raw": points, "points": points, "items": [item, *others]}
