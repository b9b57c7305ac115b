"""Print the named fields of each JSON value read from stdin (one object, or JSON Lines), one line per value.

    flask --app wsgi score --year 2026 examples/applications.jsonl | python3 examples/fields.py application_ref total
    curl -s … | python3 examples/fields.py status total version.revision

A dotted name reaches into an object (``version.ruleset``) or a list (``indicators.0.code``); a missing field
prints as ``-``. Values are printed as JSON (``true``, ``null``, ``"text"`` without its quotes).
"""

from __future__ import annotations

import json
import sys
from typing import Any


def pick(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return "-"
    return value


def shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def main(names: list[str]) -> None:
    decoder, text, position = json.JSONDecoder(), sys.stdin.read(), 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return
        value, position = decoder.raw_decode(text, position)
        print(" ".join(f"{name}={shown(pick(value, name))}" for name in names))


if __name__ == "__main__":
    main(sys.argv[1:])
