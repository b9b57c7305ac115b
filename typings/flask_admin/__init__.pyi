from collections.abc import Callable, Iterable
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])

Admin: Any
AdminIndexView: Any
BaseView: Any

def expose(url: str = "/", methods: Iterable[str] | None = ("GET",)) -> Callable[[_F], _F]: ...
def __getattr__(name: str) -> Any: ...
