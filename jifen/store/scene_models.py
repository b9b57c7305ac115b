"""The tables of scenes (场景, jifen/scenes/): a scene of a year and the list it had when it was published.

Registered with the other tables through ``jifen.store.models`` (which imports this module), so that the metadata,
the migrations' checks and the grants see them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jifen.store.models import Base, UTCDateTime, _now

Points = Numeric(14, 2, asdecimal=True)  # as the models' points: two decimals, exact


class Scene(Base):
    """A public service points entitle to (场景) in one year: a draft until published, then frozen with its list
    (``SceneEntry``) and the list's hash (triggers, like published versions; jifen/scenes/)."""

    __tablename__ = "scenes"
    __table_args__ = (UniqueConstraint("code", "year", name="uq_scenes_code_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(100), index=True)
    cutoff_date: Mapped[dt.date] = mapped_column(Date)
    threshold: Mapped[Decimal] = mapped_column(Points)
    quota: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ranking: Mapped[Any] = mapped_column(JSON)  # ["total", "category:base", "indicator:T3", "received_on"]
    ties: Mapped[str] = mapped_column(String(16))  # admit_all | flag
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # sha256:<hex> of the published list's canonical JSON, and that hash signed (jifen/scenes/freezing.py)
    list_hash: Mapped[str | None] = mapped_column(String(80), nullable=True)
    signature: Mapped[str | None] = mapped_column(Text, nullable=True)


class SceneEntry(Base):
    """One applicant of a published scene's list, as it was published: in the basis or not, rank, outcome."""

    __tablename__ = "scene_entries"
    __table_args__ = (UniqueConstraint("scene_id", "application_ref", name="uq_scene_entries_applicant"),)

    scene_id: Mapped[int] = mapped_column(ForeignKey("scenes.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1… in the list's order
    application_ref: Mapped[str] = mapped_column(String(100))
    score_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    total: Mapped[Decimal | None] = mapped_column(Points, nullable=True)
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)  # in the basis only
    entitled: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # None: a tie flagged for a decision
    outcome: Mapped[str] = mapped_column(String(24))  # jifen/scenes/ranking.py OUTCOMES
    params: Mapped[Any] = mapped_column(JSON)
