"""What the faces (API, console, public pages) read of scenes, as plain mappings: one place, so they agree."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from jifen.scenes import drafts, listing
from jifen.store.scene_models import Scene


def _summary(session: Session, scene: Scene, applicants: int | None = None) -> dict[str, Any]:
    return {
        **drafts.definition_of(scene).document(),
        "threshold": scene.threshold,
        "status": scene.status,
        "published_at": scene.published_at,
        "list_hash": scene.list_hash,
        "signature": scene.signature,
        "applicants": listing.size(session, scene) if applicants is None else applicants,
    }


def summaries(session: Session, year: int | None = None, department: str | None = None) -> list[dict[str, Any]]:
    """Every scene (of a year; of a department) with its definition and state."""
    return [_summary(session, s) for s in drafts.listed(session, year, department)]


def summary(session: Session, code: str, year: int, applicants: int | None = None) -> dict[str, Any]:
    """A scene with its definition and state; ``applicants``, when the caller has counted the list already."""
    return _summary(session, drafts.get(session, code, year), applicants)


def page(session: Session, code: str, year: int, number: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    """One page of a scene's list (its lines as mappings) and the list's length."""
    lines, total = listing.page(session, drafts.get(session, code, year), number, per_page)
    return [line.document() for line in lines], total


def entitlement(session: Session, code: str, year: int, application_ref: str) -> dict[str, Any]:
    scene = drafts.get(session, code, year)
    line = listing.entitlement(session, scene, application_ref)
    return {**line.document(), "scene": scene.code, "year": scene.year, "status": scene.status}


def scene_of(session: Session, code: str, year: int) -> Scene:
    return drafts.get(session, code, year)
