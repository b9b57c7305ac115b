"""The impact tally: exact statistics, and shares that merge to the same report as one pass."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.impact import Frame, Side, Tally, histogram_bin, median

D = Decimal
FRAME = Frame(
    (("add", (("name", "加分"), ("kind", "add"))),),
    (("T1", (("name", "甲"), ("category", "add"))), ("T2", (("name", "乙"), ("category", "add")))),
    (D(100), D("99.5")),
)


def side(total: str, t1: str = "0", t2: str = "0", eligible: bool = True) -> Side:
    return Side(eligible, D(total), {"add": D(t1) + D(t2)}, {"T1": D(t1), "T2": D(t2)})


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({}, None),
        ({D(3): 1}, D(3)),
        ({D(1): 1, D(2): 1, D(10): 1}, D(2)),
        ({D(1): 1, D(2): 1}, D("1.5")),  # even: the mean of the two middle values
        ({D("0.25"): 1, D("0.5"): 1}, D("0.375")),  # exact, a third decimal when it has one
        ({D(-1): 2, D(4): 2}, D("1.5")),
        ({D(-1): 3, D(4): 2}, D(-1)),
    ],
)
def test_median(counts: dict[Decimal, int], expected: Decimal | None) -> None:
    assert median(counts) == expected


def test_bins_are_half_open() -> None:
    assert [histogram_bin(D(x)) for x in ("0", "9.99", "10", "299.75", "300")] == [0, 0, 10, 290, 300]


def test_mean_rounds_half_up_away_from_zero() -> None:
    tally = Tally(FRAME)
    for n, (before, after) in enumerate([("0", "0.01"), ("0", "0"), ("0.01", "0")]):
        tally.add(n, f"R{n}", side(before), side(after))
    assert tally.report()["delta"]["mean"] == D("0.00")
    tally = Tally(FRAME)
    tally.add(1, "A", side("0"), side("0.01"))
    tally.add(2, "B", side("0"), side("0"))
    report = tally.report()
    assert report["delta"] == {"mean": D("0.01"), "median": D("0.005"), "min": D(0), "max": D("0.01")}
    tally = Tally(FRAME)
    tally.add(1, "A", side("0.01"), side("0"))
    tally.add(2, "B", side("0"), side("0"))
    assert tally.report()["delta"]["mean"] == D("-0.01")


def test_report_of_a_small_population() -> None:
    tally = Tally(FRAME)
    tally.add(1, "UP", side("98", t1="10"), side("100", t1="12"))  # reaches 100 exactly: up across 99.5 and 100
    tally.add(2, "DOWN", side("100", t2="5"), side("99.5", t2="4.5"))  # leaves 100 for 99.5: down across 100 only
    tally.add(3, "SAME", side("20"), side("20"))
    tally.add(4, "OUT", side("0", eligible=False), side("25", t1="25"))
    tally.refuse(5, "BAD", {"version": {"facts.x": ["unknown field"]}})
    report = tally.report()
    assert (report["applications"], report["scored"], len(report["errors"])) == (5, 4, 1)
    assert report["eligible"] == {"base": 3, "version": 4}
    assert (report["changed"], report["gained"], report["lost"], report["unchanged"]) == (3, 2, 1, 1)
    assert report["indicators"]["T1"] == {"name": "甲", "category": "add", "changed": 2, "sum": D(27), "mean": D("13.50"),
                                          "mean_all": D("6.75")}  # fmt: skip
    assert report["indicators"]["T2"]["changed"] == 1 and report["indicators"]["T2"]["mean"] == D("-0.50")
    assert report["cutoffs"]["100"]["up"] == 1 and report["cutoffs"]["100"]["down"] == 1
    assert report["cutoffs"]["99.5"]["up"] == 1 and report["cutoffs"]["99.5"]["down"] == 0
    crossing = report["cutoffs"]["100"]["crossings"][0]
    assert crossing["indicators"] == [{"code": "T1", "base": D(10), "version": D(12), "change": D(2)}]
    labels = [(h["label"], h["base"], h["version"]) for h in report["histogram"]]
    assert labels[0] == ("[0,10)", 1, 0) and labels[2] == ("[20,30)", 1, 2) and labels[-1] == ("[100,110)", 1, 1)
    assert len(labels) == 11  # every bin from 0 to the highest, empty ones included


_sides = st.builds(
    side,
    st.decimals(0, 300, places=2).map(str),
    st.decimals(0, 30, places=2).map(str),
    st.decimals(0, 30, places=2).map(str),
    st.booleans(),
)


@settings(max_examples=100, deadline=None)
@given(pairs=st.lists(st.tuples(_sides, _sides), max_size=30), cut=st.integers(0, 30))
def test_shares_merge_to_the_report_of_one_pass(pairs: list[tuple[Side, Side]], cut: int) -> None:
    whole, first, second = Tally(FRAME), Tally(FRAME), Tally(FRAME)
    for n, (before, after) in enumerate(pairs):
        whole.add(n, f"R{n}", before, after)
        (first if n < cut else second).add(n, f"R{n}", before, after)
    first.merge(second)
    assert first.report() == whole.report()
