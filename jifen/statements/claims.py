"""What a statement says: its claims, made from a stored score and its application, in the agreed order.

The format (docs/integrator/statements.md): ``iss``, ``sub`` (the application's reference), ``year``,
``score_id``, ``version`` (reference and content hash), ``total``, ``categories`` (each category's points by
code), ``provincial`` (the provincial part's hash, points and indicators' points), ``valid_until``,
``published_on``, ``iat``, ``kid``. Points are the JSON numbers of the stored result, exactly as the API wrote
them (``87.5``, ``100``).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

from sqlalchemy.orm import Session

from engine.provincial import PROVINCIAL, provincial_hash
from jifen.scoring import compiled
from jifen.store.models import Application, ScoreRow

TYPE = "jifen-statement+jwt"  # the protected header's typ: a statement is not a login token
ORDER = ("iss", "sub", "year", "score_id", "version", "total", "categories", "provincial", "valid_until",
         "published_on", "iat", "kid")  # fmt: skip

_hashes: dict[str, str] = {}  # a version's content hash → its provincial part's hash (both fixed once published)
_hashes_lock = threading.Lock()


def _provincial_hash(session: Session, ref: str, content_hash: str) -> str:
    """The provincial part's hash of the version a result names (read and hashed once per process and version)."""
    with _hashes_lock:
        known = _hashes.get(content_hash)
    if known is None:
        version = compiled.select_version(session, None, dt.date.min, ref)
        known = provincial_hash(compiled.compiled_for(session, version).version)
        with _hashes_lock:
            _hashes[version.content_hash] = known
    return known


def of_score(
    session: Session, app: Application, score: ScoreRow, published_on: dt.date, issuer: str, kid: str, now: int
) -> dict[str, Any]:
    """The claims of a statement of ``score`` (the application's current score), published on ``published_on``."""
    result = json.loads(score.result)  # the numbers as the answer wrote them: ints stay ints, 87.5 stays 87.5
    version = result["version"]
    ref = f"{version['ruleset']}/{version['year']}/{version['revision']}"
    categories = {c["code"]: c["points"] for c in result["categories"]}
    indicators = {i["code"]: i["points"] for i in result["indicators"] if i["category"] == PROVINCIAL}
    return {
        "iss": issuer,
        "sub": app.application_ref,
        "year": app.year,
        "score_id": score.id,
        "version": {"ref": ref, "content_hash": version["content_hash"]},
        "total": result["total"],
        "categories": categories,
        "provincial": {
            "hash": _provincial_hash(session, ref, version["content_hash"]),
            "points": categories.get(PROVINCIAL, 0),
            "indicators": indicators,
        },
        "valid_until": result["valid_until"],
        "published_on": published_on.isoformat(),
        "iat": now,
        "kid": kid,
    }
