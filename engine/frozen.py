"""Read-only dicts and lists: the parts of results that every result under a version shares.

An item that did not fire, or fired for the same points, reads the same in every result; building it again for
each application is most of the cost of an explanation. Such parts are made once and shared, and so that no
reader can change one result through another they refuse every change (``TypeError``). They are a ``dict`` and a
``list`` to every reader — JSON encoders, templates, ``==`` — and a copy of one (``dict(x)``, ``copy.copy``,
``copy.deepcopy``, pickling) is an ordinary, changeable dict or list.

>>> entry = FrozenDict(code="P1-1", points=2)
>>> entry == {"code": "P1-1", "points": 2}, dict(entry) | {"points": 3}
(True, {'code': 'P1-1', 'points': 3})
>>> entry["points"] = 3
Traceback (most recent call last):
TypeError: this part of a result is shared by other results and cannot be changed; change a copy (dict(part))
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, NoReturn, TypeVar

_REFUSAL = "this part of a result is shared by other results and cannot be changed; change a copy ({}(part))"


class FrozenDict(dict[str, Any]):
    """A dict that refuses changes."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(_REFUSAL.format("dict"))

    __setitem__ = __delitem__ = __ior__ = _refuse
    update = pop = popitem = clear = setdefault = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {key: copy.deepcopy(value, memo) for key, value in self.items()}


class FrozenList(list[Any]):
    """A list that refuses changes."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(_REFUSAL.format("list"))

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [copy.deepcopy(value, memo) for value in self]


D = TypeVar("D", bound=Mapping[str, Any])


def shared(entry: D) -> D:
    """A read-only copy of ``entry``, typed as ``entry`` is (a TypedDict stays one to its readers)."""
    return FrozenDict(entry)  # type: ignore[return-value]
