import datetime
from typing import Any

holidays: dict[datetime.date, str]
workdays: dict[datetime.date, str]

def __getattr__(name: str) -> Any: ...
