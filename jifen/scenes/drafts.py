"""Scenes as stored: created and edited as drafts, found, listed; who may see and change them.

A scene is named by its code and year (``school-entry-primary`` 2026). Drafts change freely; a published scene
never does (``freezing.publish``; triggers refuse it on the database too). Every change is in the audit log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.access import audit
from jifen.errors import CodedError
from jifen.scenes.definition import Definition
from jifen.store.scene_models import Scene

# who creates, edits and publishes scenes: the roles that publish the standard (as in the console)
EDITING_ROLES = ("publisher", "admin")


def definition_of(scene: Scene) -> Definition:
    """The stored scene's definition."""
    return Definition(
        code=scene.code,
        name=scene.name,
        year=scene.year,
        department=scene.department,
        cutoff_date=scene.cutoff_date,
        threshold=scene.threshold,
        quota=scene.quota,
        ranking=tuple(scene.ranking),
        ties=scene.ties,
    )


def find(session: Session, code: str, year: int) -> Scene | None:
    """The scene ``code`` of ``year``, or None."""
    return session.scalar(select(Scene).where(Scene.code == code, Scene.year == year))


def get(session: Session, code: str, year: int) -> Scene:
    """The scene ``code`` of ``year``; 404 ``scene_not_found``."""
    scene = find(session, code, year)
    if scene is None:
        raise CodedError(404, "scene_not_found", f"no scene {code} for {year}")
    return scene


def listed(session: Session, year: int | None = None, department: str | None = None) -> list[Scene]:
    """The scenes (of a year; of a department), the latest year first, then by code."""
    query = select(Scene).order_by(Scene.year.desc(), Scene.code)
    if year is not None:
        query = query.where(Scene.year == year)
    if department is not None:
        query = query.where(Scene.department == department)
    return list(session.scalars(query))


def _apply(scene: Scene, definition: Definition) -> None:
    scene.code, scene.year, scene.name = definition.code, definition.year, definition.name
    scene.department, scene.cutoff_date = definition.department, definition.cutoff_date
    scene.threshold, scene.quota = definition.threshold, definition.quota
    scene.ranking, scene.ties = list(definition.ranking), definition.ties


def create(session: Session, definition: Definition, actor: str) -> Scene:
    """A new draft scene; 409 ``scene_exists`` when its code and year are taken."""
    existing = session.scalar(select(Scene).where(Scene.code == definition.code, Scene.year == definition.year))
    if existing is not None:
        raise CodedError(409, "scene_exists", f"scene {definition.code} for {definition.year} exists "
                         f"({existing.status}): edit it (scenes create --replace) or choose another code")  # fmt: skip
    scene = Scene(status="draft", created_by=actor)
    _apply(scene, definition)
    session.add(scene)
    session.flush()
    audit.record(session, actor, "create", "scene", object_id=scene.id, object_ref=ref(scene),
                 after=definition.document())  # fmt: skip
    return scene


def not_published(scene: Scene) -> None:
    if scene.status != "draft":
        raise CodedError(
            409,
            "scene_published",
            f"scene {ref(scene)} was published on {scene.published_at:%Y-%m-%d}: it and its list are frozen",
        )


def update(session: Session, scene: Scene, definition: Definition, actor: str) -> Scene:
    """A draft's new definition (its code and year may change); 409 ``scene_published`` once published."""
    not_published(scene)
    if (definition.code, definition.year) != (scene.code, scene.year):
        taken = session.scalar(select(Scene.id).where(Scene.code == definition.code, Scene.year == definition.year))
        if taken is not None:
            raise CodedError(409, "scene_exists", f"scene {definition.code} for {definition.year} exists")
    before = definition_of(scene).document()
    _apply(scene, definition)
    scene.updated_at = dt.datetime.now(dt.UTC)
    audit.record(session, actor, "edit", "scene", object_id=scene.id, object_ref=ref(scene), before=before,
                 after=definition.document())  # fmt: skip
    return scene


def delete(session: Session, scene: Scene, actor: str) -> None:
    """Remove a draft; 409 ``scene_published`` once published."""
    not_published(scene)
    audit.record(session, actor, "delete", "scene", object_id=scene.id, object_ref=ref(scene),
                 before=definition_of(scene).document())  # fmt: skip
    session.delete(scene)


def ref(scene: Scene) -> str:
    return f"{scene.code}/{scene.year}"


def visible_to(scene: Scene, role: str, department: str | None) -> bool:
    """Everyone reads every scene, except a department user: their own department's scenes only."""
    return role != "department" or scene.department == department
