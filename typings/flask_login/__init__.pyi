from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask

_F = TypeVar("_F", bound=Callable[..., Any])

current_user: Any
UserMixin: Any

class LoginManager:
    login_view: str | None
    login_message: str
    def __init__(self, app: Flask | None = None, add_context_processor: bool = True) -> None: ...
    def init_app(self, app: Flask, add_context_processor: bool = True) -> None: ...
    def user_loader(self, callback: _F) -> _F: ...

def login_user(
    user: Any, remember: bool = False, duration: Any = None, force: bool = False, fresh: bool = True
) -> bool: ...
def logout_user() -> bool: ...
def __getattr__(name: str) -> Any: ...
