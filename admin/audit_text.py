"""An audit entry as a clerk reads it: who (a person, or 命令行导入, 系统初始化…), when (Beijing time), and each field
that changed by its label — the schema's for a version's content, the console's catalogue for a record's own
columns — with its values as read (是/否, states, roles and kinds by their names, times in Beijing time)."""

from __future__ import annotations

import json
from typing import Any

from admin.application_words import CALENDAR_KIND_NAMES
from admin.clock import local_time
from admin.words import names, word
from engine.schema import field_labels
from jifen.messages import ROLE_ZH

ACTION_NAMES = names("audit_actions")
OBJECT_NAMES = names("audit_objects")
ACTOR_NAMES = names("audit_actors")
_COLUMNS = names("audit_fields")  # a record's own columns (a version's lifecycle, a user, a calendar day)
_SCHEMA = field_labels()  # a version's content: its parts' fields
_VALUES = {"status": names("version_statuses"), "role": ROLE_ZH, "kind": CALENDAR_KIND_NAMES}


def actor_name(actor: str) -> str:
    """A person by their user name; the service's own actors by what they are."""
    return ACTOR_NAMES.get(actor, actor)


def _label(key: str, object_type: str) -> str:
    first, second = (_SCHEMA, _COLUMNS) if object_type == "version" else (_COLUMNS, _SCHEMA)
    return first.get(key) or second.get(key) or key


def _flat(value: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """A JSON value as {path: leaf}; list entries named by their code or name when they have one."""
    if isinstance(value, dict):
        out: dict[tuple[str, ...], Any] = {}
        for key, item in value.items():
            out.update(_flat(item, (*path, str(key))))
        return out or {path: {}}
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        out = {}
        for i, item in enumerate(value):
            name = item.get("code") or item.get("name") if isinstance(item, dict) else None
            out.update(_flat(item, (*path, str(name) if name else word("audit_text.nth", n=i + 1))))
        return out
    return {path: value}


def _leaf(value: Any, key: str, object_type: str) -> str:
    if value is None:
        return word("audit_text.none")
    if isinstance(value, bool):
        return word("audit_text.yes") if value else word("audit_text.no")
    if isinstance(value, list):
        return "、".join(_leaf(v, key, object_type) for v in value) or word("audit_text.empty")
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if key.endswith("_at"):
        return local_time(str(value), seconds=True)
    if key in _VALUES and (key != "kind" or object_type == "calendar_day"):
        return str(_VALUES[key].get(value, value))
    return str(value)


def changes(before: Any, after: Any, object_type: str = "", everything: bool = False) -> list[tuple[str, str, str]]:
    """What an audit entry changed, as (which, old, new): 「条件 › 值：10 → 12」; only what differs unless
    ``everything`` (the whole record, field by field)."""
    old, new = _flat(before) if before is not None else {}, _flat(after) if after is not None else {}
    rows = []
    for path in sorted(old.keys() | new.keys(), key=lambda p: (p not in old, p)):
        if everything or old.get(path) != new.get(path) or (path in old) != (path in new):
            which = " › ".join(_label(part, object_type) for part in path) or word("audit_text.whole")
            key = path[-1] if path else ""
            shown = [
                _leaf(side[path], key, object_type) if path in side else word("audit_text.none") for side in (old, new)
            ]
            rows.append((which, shown[0], shown[1]))
    return rows
