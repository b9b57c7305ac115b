from typing import Any

from . import filters as filters

ModelView: Any

def __getattr__(name: str) -> Any: ...
