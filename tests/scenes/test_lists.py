"""A scene's list against an independent ranking written here, ties at the last place, the basis's reasons, and a
published list frozen while later changes are flagged."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from jifen.scenes import definition, drafts, freezing, listing
from jifen.statements import signing
from tests.scenes.population import Person, add, rescore, scene_document

D = Decimal


def _scene(session: Any, **changes: Any) -> Any:
    scene = drafts.create(session, definition.read(scene_document(**changes)), "publisher")
    session.flush()
    return scene


def _lines(session: Any, scene: Any) -> dict[str, listing.Line]:
    return {line.application_ref: line for line in listing.lines(session, scene, listing.entries(session, scene))}


def independent(people: list[Person], threshold: D, quota: int | None, ties: str) -> dict[str, tuple[Any, Any]]:
    """{ref: (entitled, rank)} by a plain sort: total descending, then the reference; ties at the edge alike."""
    basis = sorted(
        (p for p in people if p.state == "published" and p.voided_on is None), key=lambda p: (-p.total, p.ref)
    )
    passing = [p for p in basis if p.total >= threshold]
    answer: dict[str, tuple[Any, Any]] = {}
    edge = None if quota is None or len(passing) <= quota else passing[quota - 1].total
    tie = edge is not None and passing[quota].total == edge  # type: ignore[index]
    for rank, p in enumerate(basis, 1):
        if p.total < threshold:
            answer[p.ref] = (False, rank)
        elif quota is None or (tie and p.total > edge) or (not tie and rank <= quota):  # type: ignore[operator]
            answer[p.ref] = (True, rank)
        elif tie and p.total == edge:
            answer[p.ref] = (True if ties == "admit_all" else None, rank)
        else:
            answer[p.ref] = (False, rank)
    return answer


def _population(quota: int) -> list[Person]:
    rng = random.Random(22)
    people = [Person(f"TX-2026-{k:06d}", D(rng.randrange(8000, 16000, 50)) / 100) for k in range(300)]
    ordered = sorted(people, key=lambda p: (-p.total, p.ref))
    for k in (quota - 2, quota, quota + 1):  # four share the total at the last place: a tie across the quota's edge
        ordered[k].total = ordered[quota - 1].total
    return [
        *people,
        Person("TX-2026-900001", D("130"), voided_on=dt.date(2026, 5, 2), void_reason="permit_cancelled",
               state="voided"),
        Person("TX-2026-900002", D("140"), state="re_reviewing", objection_filed_on=dt.date(2026, 4, 3)),
        Person("TX-2026-900003", D("150"), state="scored", published_on=None),
        Person("TX-2026-900004", D("150"), published_on=dt.date(2026, 7, 2)),
        Person("TX-2026-900005", D("0"), eligible=False),
    ]  # fmt: skip


@pytest.mark.parametrize("ties", ["flag", "admit_all"])
def test_the_list_equals_an_independent_ranking(seeded: Any, db: Any, ties: str) -> None:
    quota = 120
    people = _population(quota)
    with db.transaction() as session:
        add(session, people)
        scene = _scene(session, quota=quota, ties=ties)
    with db.transaction() as session:
        lines = _lines(session, drafts.get(session, scene.code, scene.year))
    in_basis = [p for p in people if p.ref < "TX-2026-9"]
    expected = independent(in_basis, D(100), quota, ties)
    assert {ref: (line.entitled, line.rank) for ref, line in lines.items() if line.in_basis} == expected
    tied = [line for line in lines.values() if line.outcome in ("tie_flagged", "admitted_tie")]
    assert len(tied) == 4 and {line.rank for line in tied} == set(range(quota - 1, quota + 3))
    if ties == "flag":
        assert tied[0].reason == f"并列第{quota - 1}名，待决定（4人并列，剩余名额2）"
        assert sum(1 for line in lines.values() if line.entitled) == quota - 2
    else:
        assert sum(1 for line in lines.values() if line.entitled) == quota + 2  # the quota exceeded, and said
        assert "入选122人" in tied[0].reason
    over = next(line for line in lines.values() if line.outcome == "over_quota")
    assert over.reason == f"名额已满（第{over.rank}名，名额{quota}）"
    below = next(line for line in lines.values() if line.outcome == "below_threshold")
    assert below.reason == f"未达到分数线（差{listing.points_text(D(100) - below.total)}分）"  # type: ignore[operator]
    assert lines["TX-2026-900001"].reason == "积分已失效（2026-05-02 居住证注销）"
    assert lines["TX-2026-900002"].reason == "积分复核中（2026-04-03 提出异议）"
    assert lines["TX-2026-900003"].reason == "积分未公示"
    assert lines["TX-2026-900004"].reason == "积分公示晚于截止日期（2026-07-02 公示）"
    assert lines["TX-2026-900005"].reason == "不符合积分申请条件"
    assert not any(lines[f"TX-2026-90000{k}"].entitled for k in range(1, 6))


def test_tie_breakers_decide_before_the_final_key(seeded: Any, db: Any) -> None:
    day = dt.date(2026, 3, 2)
    people = [
        Person("TX-A", D("120"), categories={"base": D("30")}, received_on=day),
        Person("TX-B", D("120"), categories={"base": D("40")}, received_on=day + dt.timedelta(days=3)),
        Person("TX-C", D("120"), categories={"base": D("40")}, received_on=day),
        Person("TX-D", D("120.5"), categories={"base": D("0")}, received_on=day),
    ]
    with db.transaction() as session:
        add(session, people)
        scene = _scene(session, quota=2, ranking=["total", "category:base", "received_on"])
        lines = _lines(session, scene)
    by_rank = {line.rank: line.application_ref for line in lines.values()}
    assert [by_rank[k] for k in (1, 2, 3, 4)] == ["TX-D", "TX-C", "TX-B", "TX-A"]
    assert [lines[r].entitled for r in ("TX-D", "TX-C", "TX-B")] == [True, True, False]


def test_a_published_list_is_frozen_and_later_changes_are_flagged(
    seeded: Any, db: Any, app: Any, owner_engine: Any
) -> None:
    people = [Person(f"TX-2026-{k:06d}", D(90 + 10 * k)) for k in range(5)]  # 90 … 130
    people.append(Person("TX-2026-000005", D(140), state="scored", published_on=None))  # published later
    with db.transaction() as session:
        apps = add(session, people)
        scene = _scene(session, quota=2)
        freezing.publish(session, scene, "publisher", signing.signer_for(app))
    with db.transaction() as session:
        scene = drafts.get(session, "school-entry-primary", 2026)
        before = [e.document() for e in listing.entries(session, scene)]
        assert freezing.verify(session, scene, signing.signer_for(app)).ok
        voided = session.get(type(apps["TX-2026-000004"]), apps["TX-2026-000004"].id)
        voided.state, voided.voided_on, voided.void_reason = "voided", dt.date(2026, 9, 1), "permit_suspended"
        rescore(session, session.get(type(voided), apps["TX-2026-000002"].id), people[2], D("125"))
        disputed = session.get(type(voided), apps["TX-2026-000001"].id)
        disputed.state, disputed.objection_filed_on = "re_reviewing", dt.date(2026, 8, 3)
        later = session.get(type(voided), apps["TX-2026-000005"].id)
        later.state, later.published_on = "published", dt.date(2026, 8, 1)
    with db.transaction() as session:
        scene = drafts.get(session, "school-entry-primary", 2026)
        assert [e.document() for e in listing.entries(session, scene)] == before  # never silently changed
        assert freezing.verify(session, scene, signing.signer_for(app)).ok
        lines = _lines(session, scene)
        assert lines["TX-2026-000004"].flags == ["公布后积分已失效（2026-09-01 居住证暂扣）"]
        assert lines["TX-2026-000004"].entitled is True
        assert lines["TX-2026-000002"].flags == ["公布后积分已变更（110 → 125分）"]
        assert lines["TX-2026-000003"].flags == []
        assert lines["TX-2026-000001"].flags == ["公布后提出异议，复核中（2026-08-03）"]
        assert lines["TX-2026-000005"].flags == ["公布后已公示（现 140 分）"]
        assert lines["TX-2026-000005"].reason == "积分未公示" and lines["TX-2026-000005"].entitled is False
    with pytest.raises(Exception, match="published"), owner_engine.begin() as connection:
        connection.execute(text("UPDATE scene_entries SET entitled = false WHERE position = 1"))
    with pytest.raises(Exception, match="published"), owner_engine.begin() as connection:
        connection.execute(text("UPDATE scenes SET threshold = 0"))


def test_the_hash_is_of_the_canonical_json() -> None:
    import hashlib

    from jifen.scenes.ranking import Candidate, rank

    given = definition.read(scene_document())
    entries = rank([Candidate(f"R{k}", f"s{k}", D(100 + k), dt.date(2026, 3, 2), ()) for k in range(5)], [],
                   given.threshold, given.quota, given.ties)  # fmt: skip
    text = freezing.canonical(given, entries)
    assert freezing.list_hash(given, entries) == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    assert text.startswith('{"entries":[{"application_ref":"R4","entitled":true,') and '"scene":{"code":' in text
