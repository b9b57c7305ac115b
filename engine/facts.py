"""Validate an application's facts against a version's fact catalogue and compute the derived facts."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeAlias

from engine.canonical import number_text, written_decimal
from engine.errors import CodedProblem, FactsError, coded
from engine.model import FactField, FactValue
from engine.problems import render, sent_en

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


# JSON's safe integer range: beyond it a value cannot round-trip through every client, and no count of months,
# patents or yuan comes near it.
LIMIT = 2**53 - 1

# The dates an application's facts may hold: nobody applying was born before 1900, and no scoring year is after
# 2100 (the API's range of years). A date outside is a typo or a probe (0001-01-01), never a fact. Condition
# values in a ruleset are not facts and are not bounded.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


class Invalid(ValueError):
    """A single value does not fit its field: a problem of the catalogue (``engine.problems``), whose English
    sentence is the message."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code, self.params = code, params
        super().__init__(render(code, params))

    def at(self, path: str) -> CodedProblem:
        """The same problem at ``path``."""
        return CodedProblem(path, str(self), self.code, self.params)


Converter = Callable[[Any], FactValue]

# A checked fact as scoring reads it (``FactsValidator.check``): a number fact sent as a float within its field's
# bounds stays that float, standing for the exact decimal it is written as (``Decimal(repr(value))``); the
# engine's comparisons and per-unit counts give it the same answers as that decimal without making it.
Checked: TypeAlias = "FactValue | float"


def _range_check(field: FactField) -> Callable[[Any], None]:
    low, high = field.min, field.max

    def check(value: Any) -> None:
        if not -LIMIT <= value <= LIMIT:
            raise Invalid("fact_out_of_range", low=-LIMIT, high=LIMIT, sent=value)
        if low is not None and value < low:
            raise Invalid("fact_below_min", min=number_text(low), sent=value)
        if high is not None and value > high:
            raise Invalid("fact_above_max", max=number_text(high), sent=value)

    return check


def parse_date(value: Any) -> dt.date:
    """A date from an ISO ``YYYY-MM-DD`` string or a ``date``.

    >>> parse_date("2026-03-15")
    datetime.date(2026, 3, 15)
    """
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and len(value) == 10 and _DATE_RE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise Invalid("fact_bad_date", text=value) from None
    raise Invalid("fact_not_date", sent=value)


def plausible_date(value: Any) -> dt.date:
    """A date fact: ``parse_date``, then within EARLIEST_DATE..LATEST_DATE (Invalid for ``"0001-01-01"``).

    >>> plausible_date("1990-05-01")
    datetime.date(1990, 5, 1)
    """
    date = parse_date(value)
    if not EARLIEST_DATE <= date <= LATEST_DATE:
        raise Invalid(
            "fact_date_out_of_range", low=EARLIEST_DATE.isoformat(), high=LATEST_DATE.isoformat(), date=date.isoformat()
        )
    return date


def describe_value(value: Any) -> str:
    """A sent value as error messages name it.

    >>> describe_value("12"), describe_value(True), describe_value([1])
    ("the string '12'", 'true', 'a list')
    """
    return sent_en(value)


def _to_bool(field: FactField) -> Converter:
    def to_bool(value: Any) -> FactValue:
        if value is True or value is False:
            return value
        raise Invalid("fact_not_boolean", sent=value)

    return to_bool


def _to_int(field: FactField) -> Converter:
    in_range = _range_check(field)

    def to_int(value: Any) -> FactValue:
        if type(value) is not int:
            if isinstance(value, (float, Decimal)) and not isinstance(value, bool):
                raise Invalid("fact_not_whole", sent=value)
            raise Invalid("fact_not_integer", sent=value)
        in_range(value)
        return value

    return to_int


def _to_decimal(field: FactField) -> Converter:
    in_range = _range_check(field)

    def to_decimal(value: Any) -> FactValue:
        if type(value) is int:
            number = Decimal(value)
        elif type(value) is float and math.isfinite(value):
            number = written_decimal(value)
        elif type(value) is Decimal and value.is_finite():
            number = value
        else:
            raise Invalid("fact_not_number", sent=value)
        in_range(number)
        return number

    return to_decimal


def _to_enum(field: FactField) -> Converter:
    allowed = frozenset(field.values)
    listing = ", ".join(field.values)
    labels = list(field.value_labels or field.values)

    def to_enum(value: Any) -> FactValue:
        if isinstance(value, str) and value in allowed:
            return value
        raise Invalid("fact_not_option", values=listing, labels=labels, sent=value)

    return to_enum


def _to_str(field: FactField) -> Converter:
    def to_str(value: Any) -> FactValue:
        if isinstance(value, str):
            return value
        raise Invalid("fact_not_string", sent=value)

    return to_str


_CONVERTERS: dict[str, Callable[[FactField], Converter]] = {
    "bool": _to_bool, "int": _to_int, "number": _to_decimal, "date": lambda _: parse_date, "enum": _to_enum,
    "string": _to_str,
}  # fmt: skip


def converter(field: FactField) -> Converter:
    """The function that checks one value of ``field`` and returns it in its engine type."""
    return _CONVERTERS[field.type](field)


def _quick_checks(
    catalogue: tuple[FactField, ...],
) -> tuple[frozenset[str], dict[str, tuple[int, int]], dict[str, frozenset[str]]]:
    """The values most facts have, accepted without a call: a boolean, a whole number within its field's bounds,
    one of the options. Anything else (dates, numbers, every wrong value) goes through the field's converter."""
    sent = [f for f in catalogue if f.derived is None]
    bools = frozenset(f.name for f in sent if f.type == "bool")
    whole = {f.name: _bounds(f) for f in sent if f.type == "int"}
    return bools, whole, {f.name: frozenset(f.values) for f in sent if f.type == "enum"}


def _limits(field: FactField) -> tuple[int | Decimal, int | Decimal]:
    """A number field's own bounds within JSON's safe integers."""
    low = -LIMIT if field.min is None or field.min < -LIMIT else field.min
    high = LIMIT if field.max is None or field.max > LIMIT else field.max
    return low, high


def _bounds(field: FactField) -> tuple[int, int]:
    """The whole numbers an int field accepts: its bounds (``_limits``) as whole numbers (a whole number is at
    least 0.5 when it is at least 1)."""
    low, high = _limits(field)
    return math.ceil(low), math.floor(high)


def _float_bounds(field: FactField) -> tuple[float, float] | None:
    """A number field's bounds within JSON's safe integers as floats, when each is exactly a float: then a float
    is within them exactly when the decimal it is written as is (rounding a decimal to the nearest float never
    crosses a float). None: such values go through the converter."""
    low, high = _limits(field)
    if Decimal(float(low)) != low or Decimal(float(high)) != high:
        return None
    return float(low), float(high)


def _float_fields(sent: list[FactField]) -> dict[str, tuple[float, float]]:
    """The number fields whose floats are accepted as they are (``_float_bounds``), with those bounds."""
    found = {}
    for field in sent:
        bounds = _float_bounds(field) if field.type == "number" else None
        if bounds is not None:
            found[field.name] = bounds
    return found


# How many date texts a validator remembers as the dates they are (each ~150 bytes)
DATES_REMEMBERED = 4096


def full_years(born: dt.date, at: dt.date) -> int:
    """Age in full years (周岁) on ``at``.

    >>> full_years(dt.date(1986, 3, 15), dt.date(2026, 3, 14)), full_years(dt.date(1986, 3, 15), dt.date(2026, 3, 15))
    (39, 40)
    """
    return at.year - born.year - ((at.month, at.day) < (born.month, born.day))


class FactsValidator:
    """Checks facts against one catalogue; built once per version."""

    def __init__(self, catalogue: tuple[FactField, ...]) -> None:
        sent = [f for f in catalogue if f.derived is None]
        self._converters: dict[str, Converter] = {
            f.name: plausible_date if f.type == "date" else converter(f) for f in sent
        }
        self._derived = {f.name: f for f in catalogue if f.derived is not None}
        self._required = tuple(f.name for f in sent if f.required)
        self._labels = {f.name: f.label for f in catalogue}
        self._bools, self._whole, self._options = _quick_checks(catalogue)
        self._date_fields = frozenset(f.name for f in sent if f.type == "date")
        self._dates: dict[str, dt.date] = {}  # date texts already found valid, and their dates
        self._numbers = _float_fields(sent)

    def validate(self, facts: Mapping[str, Any], as_of: dt.date) -> tuple[dict[str, FactValue], dict[str, FactValue]]:
        """Return ``(typed facts with derived ones, derived facts alone)``; raise FactsError listing every problem."""
        typed, derived = self.check(facts, as_of)
        for name in self._numbers:
            value = typed.get(name)
            if type(value) is float:
                typed[name] = written_decimal(value)
        return typed, derived  # type: ignore[return-value]  # no float is left

    def check(self, facts: Mapping[str, Any], as_of: dt.date) -> tuple[dict[str, Checked], dict[str, FactValue]]:
        """As ``validate``, but a number sent as a float within its field's bounds stays that float (``Checked``)."""
        if type(facts) is not dict and not isinstance(facts, Mapping):
            raise FactsError({"facts": [coded("facts", "facts_not_object", sent=facts)]})
        typed: dict[str, Checked] = {}
        errors: dict[str, list[CodedProblem]] = {}
        for name, value in facts.items():
            if not self._accept(name, value, typed):
                self._convert(name, value, typed, errors)
        for name in self._required:
            if name not in typed:
                errors.setdefault(name, [coded(name, "fact_required")])
        derived = self._derive(typed, as_of, errors)
        if errors:
            raise FactsError(errors)
        typed.update(derived)
        return typed, derived

    def _accept(self, name: Any, value: Any, typed: dict[str, Checked]) -> bool:
        """Put the values most facts have into ``typed`` without a converter's call: a boolean, a whole number or a
        float within its field's bounds, one of the options, a valid date's text. False: anything else, which the
        field's converter takes or says what is wrong with."""
        if value is True or value is False:
            if name in self._bools:
                typed[name] = value
                return True
        elif type(value) is int:
            bounds = self._whole.get(name)
            if bounds is not None and bounds[0] <= value <= bounds[1]:
                typed[name] = value
                return True
        elif type(value) is float:
            limits = self._numbers.get(name)
            if limits is not None and limits[0] <= value <= limits[1]:  # never true of a NaN or an infinity
                typed[name] = value
                return True
        elif type(value) is str:
            accepted = self._text(name, value)
            if accepted is not None:
                typed[name] = accepted
                return True
        return False

    def _text(self, name: Any, value: str) -> str | dt.date | None:
        """A text sent for an enum field that is one of its options, or for a date field that is a valid date, as
        the fact it is; None: anything else (the converter says what is wrong, if anything)."""
        allowed = self._options.get(name)
        if allowed is not None:
            return value if value in allowed else None
        return self._date(value) if name in self._date_fields else None

    def _date(self, text: str) -> dt.date | None:
        """The date a date fact's text is, when it is a valid one (else None: the converter says why)."""
        known = self._dates.get(text)
        if known is None:
            try:
                known = plausible_date(text)
            except Invalid:
                return None
            if len(self._dates) < DATES_REMEMBERED:  # two threads may both add the last one: no harm
                self._dates[text] = known
        return known

    def _convert(self, name: Any, value: Any, typed: dict[str, Checked], errors: dict[str, list[CodedProblem]]) -> None:
        """One fact through its field's converter, into ``typed`` or ``errors``."""
        convert = self._converters.get(name)
        if convert is None:
            if name in self._derived:
                source = self._derived[name].derived.source  # type: ignore[union-attr]
                errors[name] = [coded(name, "fact_derived", source=source, source_label=self._labels[source])]
            else:
                errors[str(name)] = [coded(str(name), "fact_unknown")]
            return
        if value is None:
            return  # an explicit null means "not present", like an absent key
        try:
            typed[name] = convert(value)
        except Invalid as exc:
            errors[name] = [exc.at(name)]

    def _derive(
        self, typed: dict[str, Checked], as_of: dt.date, errors: dict[str, list[CodedProblem]]
    ) -> dict[str, FactValue]:
        derived: dict[str, FactValue] = {}
        for name, field in self._derived.items():
            how = field.derived
            assert how is not None
            born = typed.get(how.source)
            if not isinstance(born, dt.date):
                continue
            at = typed.get(how.at, as_of)
            assert isinstance(at, dt.date)
            if at < born:
                errors.setdefault(how.source, []).append(
                    coded(
                        how.source,
                        "fact_after",
                        at=how.at,
                        at_label=self._labels.get(how.at, how.at),
                        date=at.isoformat(),
                    )
                )
                continue
            derived[name] = full_years(born, at)
        return derived
