"""Publishing a scene: its list drawn once, stored, hashed and (where signing exists) signed, then frozen; and the
check that a published list is what its stored scores give.

The hash is ``sha256:`` of the canonical JSON (sorted keys, no spaces, as ``engine.canonical``) of
``{"scene": definition, "entries": [each line's document]}`` — what was published, in codes and values; the
reasons' words are derived from them. The hash is signed as a statement of the service (a compact JWS with its
active Ed25519 key, as a published score's statement: ``jifen.statements.signing``), kept as ``signature``; as a
result, a list is never published without its signature (no active key: refused).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from jifen.access import audit
from jifen.errors import CodedError
from jifen.scenes import basis
from jifen.scenes.definition import Definition
from jifen.scenes.drafts import definition_of, not_published, ref
from jifen.scenes.listing import compute, stream
from jifen.scenes.ranking import Candidate, Entry, Left, rank
from jifen.statements.keys import key_error
from jifen.statements.signing import Signer, sign
from jifen.statements.verify import verify_signature
from jifen.store.models import Application, ScoreRow
from jifen.store.scene_models import Scene, SceneEntry

_ENTRIES = cast(Table, SceneEntry.__table__)
_CHUNK = 5000


def canonical(definition: Definition, entries: Sequence[Entry]) -> str:
    document = {"scene": definition.document(), "entries": [e.document() for e in entries]}
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def list_hash(definition: Definition, entries: Iterable[Entry]) -> str:
    """``sha256:`` of ``canonical``, written a line at a time (the same bytes: "entries" sorts before "scene")."""
    digest = hashlib.sha256(b'{"entries":[')
    for k, entry in enumerate(entries):
        digest.update((b"," if k else b"") + _json(entry.document()).encode("utf-8"))
    digest.update(b'],"scene":' + _json(definition.document()).encode("utf-8") + b"}")
    return "sha256:" + digest.hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _signature(signer: Signer | None, scene: Scene, digest: str, entries: int, at: dt.datetime) -> str:
    """The list hash signed by the service's active key: what was published, by whom, when (claims of a JWS)."""
    if signer is None:
        raise key_error(409, "no_signing_key", directory="-")
    kid, key = signer.keys.active()
    claims = {"typ": "scene_list", "iss": signer.issuer, "kid": kid, "scene": scene.code, "year": scene.year,
              "list_hash": digest, "entries": entries, "published_at": at.isoformat(), "iat": int(at.timestamp())}  # fmt: skip
    return sign(claims, kid, key)


def signature_claims(scene: Scene, signer: Signer) -> dict[str, Any] | None:
    """The claims of a published list's signature when one of the service's keys made it, else None."""
    if not scene.signature:
        return None
    try:
        claims, _kid = verify_signature(scene.signature, signer.keys.jwks())
    except CodedError:
        return None
    return claims


def publish(session: Session, scene: Scene, actor: str, signer: Signer | None, now: dt.datetime | None = None) -> Scene:
    """Draw the scene's list from the scores as they are, store it with its hash and signature, and freeze them."""
    not_published(scene)
    now = now or dt.datetime.now(dt.UTC)
    definition = definition_of(scene)
    entries = compute(session, definition)
    for start in range(0, len(entries), _CHUNK):
        rows = [{"scene_id": scene.id, "position": e.position, "application_ref": e.application_ref,
                 "score_id": e.score_id, "total": e.total, "rank": e.rank, "entitled": e.entitled,
                 "outcome": e.outcome, "params": e.params} for e in entries[start : start + _CHUNK]]  # fmt: skip
        session.execute(_ENTRIES.insert(), rows)
    digest = list_hash(definition, entries)
    scene.list_hash, scene.signature = digest, _signature(signer, scene, digest, len(entries), now)
    scene.status = "published"
    scene.published_at = scene.updated_at = now
    scene.published_by = actor
    audit.record(session, actor, "publish", "scene", object_id=scene.id, object_ref=ref(scene),
                 after={"list_hash": digest, "entries": len(entries)})  # fmt: skip
    return scene


@dataclass(frozen=True, slots=True)
class Verification:
    """A published list checked: ``hash_matches`` the stored lines give the stored hash; ``recomputed`` ranking the
    stored scores the list names again gives the same lines (``differences`` names the first that differ)."""

    hash_matches: bool
    recomputed: bool
    differences: list[str]
    entries: int
    # the signature is the service's and signs this hash (None: not checked, no key store given)
    signature_matches: bool | None = None

    @property
    def ok(self) -> bool:
        return self.hash_matches and self.recomputed and self.signature_matches is not False


def _again(session: Session, scene: Scene, definition: Definition) -> list[Entry]:
    """The list ranked again from the stored scores the frozen list names (they never change), the applicants left
    out kept with their published reasons."""
    breakers = definition.tie_breakers
    places = basis.layout(session, breakers, scene.year)
    parts = basis.part_column(breakers, places, session.get_bind().dialect.name)
    query = (
        select(SceneEntry.application_ref, ScoreRow.id.label("score_id"), ScoreRow.total, Application.received_on,
               *([] if parts is None else [parts]))
        .join(SceneEntry, SceneEntry.score_id == ScoreRow.id)
        .join(Application, (Application.application_ref == SceneEntry.application_ref) & (Application.year == scene.year))
        .where(SceneEntry.scene_id == scene.id, SceneEntry.rank.is_not(None))
    )  # fmt: skip
    keys_of = basis.key_function(session, breakers)
    candidates = [  # straight from the rows, none kept: at 100,000 a dict of rows costs a hundred MiB
        Candidate(row.application_ref, row.score_id, row.total, row.received_on, keys_of(row))
        for row in session.connection().execute(query)
    ]
    left = [
        Left(e.application_ref, e.score_id, e.total, e.outcome, e.params) for e in stream(session, scene, out_only=True)
    ]
    return rank(candidates, left, definition.threshold, definition.quota, definition.ties)


def verify(session: Session, scene: Scene, signer: Signer | None = None) -> Verification:
    """Check a published list against its hash, its signature and a ranking of the stored scores it names."""
    definition = definition_of(scene)
    # the stored lines are read as a stream, twice (for the hash, then against the ranking): at 100,000 a second
    # list of them would cost a hundred MiB
    digest = list_hash(definition, stream(session, scene))
    again = _again(session, scene, definition)
    differences, count = [], 0
    for count, (a, b) in enumerate(itertools.zip_longest(stream(session, scene), again), 1):
        if a is None or b is None:
            differences.append(f"{count - 1} lines in one, more in the other (stored or recomputed)")
            break
        if a.document() != b.document():
            differences.append(
                f"position {a.position}: {a.application_ref} {a.outcome} ≠ {b.application_ref} {b.outcome}"
            )
    signed = None
    if signer is not None:
        claims = signature_claims(scene, signer)
        signed = claims is not None and claims.get("list_hash") == scene.list_hash
    return Verification(digest == scene.list_hash, not differences, differences[:20], count, signed)
