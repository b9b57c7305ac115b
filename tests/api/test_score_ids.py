"""A stored score's id: a random (version 4) UUID, written as ``uuid`` writes it."""

from __future__ import annotations

import os
import uuid

from jifen.scoring import scores


def test_the_ids_text_is_uuids_for_any_sixteen_bytes() -> None:
    edges = [bytes(16), b"\xff" * 16, bytes(range(16)), bytes(range(255, 239, -1))]
    for chunk in edges + [os.urandom(16) for _ in range(20_000)]:
        assert scores.uuid4_text(chunk) == str(uuid.UUID(bytes=chunk, version=4))


def test_ids_are_version_4_and_distinct() -> None:
    ids = [scores._ids.next() for _ in range(1_000)]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 4 and uuid.UUID(i).variant == uuid.RFC_4122 for i in ids)
