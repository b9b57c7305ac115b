"""Lookup codes as such: their alphabet and length, how they are printed and typed, and the keyed hash kept."""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter

import pytest

from jifen.access import throttle
from jifen.applications import lookup


def test_codes_use_an_unambiguous_alphabet_and_are_long_enough() -> None:
    assert len(set(lookup.ALPHABET)) == len(lookup.ALPHABET) == 31
    assert not set("0O1IL") & set(lookup.ALPHABET)
    assert lookup.LENGTH >= 10
    codes = [lookup.new_code() for _ in range(2000)]
    assert all(len(c) == lookup.LENGTH and set(c) <= set(lookup.ALPHABET) for c in codes)
    assert len(set(codes)) == len(codes)
    seen = Counter("".join(codes))
    assert set(seen) == set(lookup.ALPHABET)  # every symbol is drawn, none favoured grossly
    assert max(seen.values()) < 2 * min(seen.values())


def test_codes_come_from_secrets() -> None:
    picks: list[str] = []

    def choice(alphabet: str) -> str:
        picks.append(alphabet)
        return secrets.choice(alphabet)

    lookup.new_code(choice)
    assert picks == [lookup.ALPHABET] * lookup.LENGTH
    assert lookup.new_code.__defaults__ == (secrets.choice,)


def test_codes_are_printed_in_groups_and_typed_any_way() -> None:
    code = "7KQMWD4XP9HT"
    assert lookup.grouped(code) == "7KQM-WD4X-P9HT"
    for typed in ("7KQM-WD4X-P9HT", "7kqm wd4x p9ht", " 7KQMWD4XP9HT ", "7kqm–wd4x—p9ht", "7KQM_WD4X.P9HT"):
        assert lookup.code_hash("secret", typed) == lookup.code_hash("secret", code), typed
    assert lookup.code_hash("secret", "7KQM-WD4X-P9HV") != lookup.code_hash("secret", code)
    assert lookup.normalized("x" * 1000) == "X" * lookup.MAX_INPUT  # a long paste is cut before hashing


def test_only_a_keyed_hash_is_kept() -> None:
    code = lookup.new_code()
    kept = lookup.code_hash("one secret", code)
    assert len(kept) == 64 and int(kept, 16) >= 0
    assert kept != lookup.code_hash("another secret", code)
    assert kept != hashlib.sha256(code.encode()).hexdigest()
    assert code not in kept


@pytest.mark.parametrize("reference", ["TX-2026-000123", "x" * 64, '引号"和空格 '])
def test_lookup_counters_are_bounded_and_apart_from_the_logins(reference: str) -> None:
    keys = [c.key for c in lookup._counters(reference, 2026, "198.51.100.7")]
    assert keys[0].startswith("lookup-ref:2026:") and keys[1] == "lookup-addr:198.51.100.7"
    assert all(len(k) <= throttle.KEY_LENGTH for k in keys)
    assert not any(k.startswith(("user:", "addr:")) for k in keys)
    assert lookup._counters(reference, 2025, None)[0].key != keys[0]  # a year of its own
