from typing import Any

Bootstrap4Theme: Any

def __getattr__(name: str) -> Any: ...
