"""What an application's reference may be: one rule for the API's requests and paths and the console's URLs.

A reference is how the intake platform names an application: 1 to 64 characters, not blank, without control,
format (e.g. bidirectional overrides, zero-width characters) or line-separator characters, so that it reads the
same everywhere it is shown or stored.
"""

from __future__ import annotations

import unicodedata

MAX_LENGTH = 64
YEARS = range(2000, 2101)
# Control (Cc), format (Cf) and line/paragraph separators, and surrogates (Cs), which are not characters
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def reference_problems(reference: str) -> list[str]:
    """What is wrong with ``reference`` as an application's reference, in words; empty when it can be one.

    >>> reference_problems("TX-2026-000123"), reference_problems(" "), reference_problems("TX\\u202e1")
    ([], ['must not be blank'], ['must not contain control, format or separator characters: U+202E at position 3'])
    """
    problems = []
    if not 1 <= len(reference) <= MAX_LENGTH:
        problems.append(f"must be 1 to {MAX_LENGTH} characters long, got {len(reference)}")
    if reference and not reference.strip():
        problems.append("must not be blank")
    for position, char in enumerate(reference, start=1):
        if unicodedata.category(char) in _INVISIBLE:
            problems.append(
                f"must not contain control, format or separator characters: U+{ord(char):04X} at position {position}"
            )
            break
    return problems


def can_name(reference: str, year: int) -> bool:
    """Whether ``reference`` and ``year`` can name an application at all: a path that cannot is not found before
    any query (a NUL would fail in PostgreSQL, a huge year overflow its integer column)."""
    return year in YEARS and not reference_problems(reference)
