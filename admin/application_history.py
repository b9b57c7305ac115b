"""An application's history as the console shows it: one timeline entry per event, in Chinese, and each score of
its chain beside the claims and verified facts that produced it. Built from ``application_views.history``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from admin.application_words import (
    ACTION_NAMES,
    ACTOR_KIND_NAMES,
    CHANNEL_NAMES,
    OUTCOME_NAMES,
    STATE_NAMES,
    VOID_REASON_NAMES,
    day_text,
    label,
    local_time,
)
from admin.words import word
from engine.describe import value_text
from engine.facts import Invalid
from engine.model import FactField
from jifen.scoring import claims

Catalogue = Mapping[str, FactField]


def version_text(version: Any) -> str:
    """``tongxiang/2025/1`` from a score's version object or an event's version reference."""
    if isinstance(version, Mapping):
        return f"{version.get('ruleset')}/{version.get('year')}/{version.get('revision')}"
    return str(version or "—")


def _facts_text(catalogue: Catalogue, facts: Mapping[str, Any]) -> str:
    return "；".join(f"{label(catalogue, n)}：{value_text(v, catalogue.get(n), '—')}" for n, v in facts.items()) or "—"


def _tasks_text(catalogue: Catalogue, tasks: Mapping[str, Any]) -> list[str]:
    return [
        word(
            "application_history.t1",
            unit=unit,
            value="、".join(label(catalogue, n) for n in task.get("facts", [])) or word("application_history.t27"),
            day_text=day_text(task.get("due")),
        )
        for unit, task in tasks.items()
    ]


def _result_rows(catalogue: Catalogue, results: Mapping[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "label": label(catalogue, name),
            "claimed": value_text(r.get("claimed"), catalogue.get(name), "—"),
            "verified": value_text(r.get("verified"), catalogue.get(name), "—"),
            "outcome": r.get("outcome", ""),
            "outcome_name": _name(OUTCOME_NAMES, r.get("outcome", "")),
        }
        for name, r in results.items()
    ]


def _name(names: Mapping[str, str], code: Any) -> Any:
    """The Chinese name of a code, or the code itself when it has none."""
    return names.get(code, code) if isinstance(code, str) else code


Changes = Mapping[str, Any]
Sections = list[dict[str, Any]]


def _received(catalogue: Catalogue, c: Changes, _sections: Sections) -> list[str]:
    return [
        word(
            "application_history.t28",
            _name=_name(CHANNEL_NAMES, c.get("channel")),
            day_text=day_text(c.get("received_on")),
            get=c.get("version"),
        ),
        word("application_history.t3") + _facts_text(catalogue, c.get("claimed_facts", {})),
        *(word("application_history.t4") + t for t in _tasks_text(catalogue, c.get("tasks", {}))),
        *_recognised(c.get("recognised")),
    ]


def _recognised(recognised: Any) -> list[str]:
    """Another city's provincial points recognised at receipt (issue 21), if any."""
    if not isinstance(recognised, Mapping):
        return []
    return [word("recognition_console.received", issuer=recognised.get("issuer"), points=recognised.get("points"),
                 application_ref=recognised.get("application_ref"))]  # fmt: skip


def _supplemented(catalogue: Catalogue, c: Changes, _sections: Sections) -> list[str]:
    before = c.get("claims_before", {})
    lines = [word("application_history.t5", day_text=day_text(c.get("received_on")))]
    for name, value in c.get("facts", {}).items():
        field = catalogue.get(name)
        after = word("application_history.t6") if value is None else value_text(value, field)
        lines.append(f"{label(catalogue, name)}：{value_text(before.get(name), field, '—')} → {after}")
    return lines + [word("application_history.t7") + t for t in _tasks_text(catalogue, c.get("reopened", {}))]


def _verified(catalogue: Catalogue, c: Changes, sections: Sections) -> list[str]:
    for unit, task in c.get("tasks", {}).items():
        late = word("application_history.t8") if task.get("late") else ""
        sections.append({
            "title": word("application_history.t9", unit=unit, day_text=day_text(task.get('due')), late=late),
            "rows": _result_rows(catalogue, task.get("results", {})),
        })  # fmt: skip
    return [word("application_history.t10", c=c["note"])] if c.get("note") else []


def _extended(_catalogue: Catalogue, c: Changes, _sections: Sections) -> list[str]:
    lines = [word("application_history.t11", get=c.get("reason", ""))]
    for unit, task in c.get("tasks", {}).items():
        late = word("application_history.t12") if task.get("late") else ""
        lines.append(
            word(
                "application_history.t13",
                unit=unit,
                day_text=day_text(task.get("due_before")),
                day_text2=day_text(task.get("due")),
                late=late,
            )
        )
    return lines


def _scored(catalogue: Catalogue, c: Changes, _sections: Sections) -> list[str]:
    eligible = word("application_history.t14") if c.get("eligible") else word("application_history.t15")
    lines = [
        word(
            "application_history.t16",
            value_text=value_text(c.get("total"), None, "—"),
            eligible=eligible,
            version_text=version_text(c.get("version")),
            day_text=day_text(c.get("as_of")),
        ),
        word("application_history.t17") + _facts_text(catalogue, c.get("facts", {})),
    ]
    return lines + ([word("application_history.t18", c=c["supersedes"])] if c.get("supersedes") else [])


def _published(_catalogue: Catalogue, c: Changes, _sections: Sections) -> list[str]:
    return [
        word(
            "application_history.t19",
            day_text=day_text(c.get("published_on")),
            day_text2=day_text(c.get("objection_deadline")),
        )
    ]


def _objected(catalogue: Catalogue, c: Changes, _sections: Sections) -> list[str]:
    return [
        word("application_history.t20", day_text=day_text(c.get("filed_on"))),
        word("application_history.t21") + _facts_text(catalogue, c.get("facts", {})),
        *(word("application_history.t22") + t for t in _tasks_text(catalogue, c.get("tasks", {}))),
    ]


def _republished(_catalogue: Catalogue, c: Changes, _sections: Sections) -> list[str]:
    return [word("application_history.t23", day_text=day_text(c.get("published_on")))]


def _voided(_catalogue: Catalogue, c: Changes, _sections: Sections) -> list[str]:
    lines = [
        word(
            "application_history.t29", _name=_name(VOID_REASON_NAMES, c.get("reason")), day_text=day_text(c.get("date"))
        )
    ]
    return lines + (
        [word("application_history.t25") + "、".join(c["cancelled_tasks"])] if c.get("cancelled_tasks") else []
    )


_CHANGE_LINES: dict[str, Callable[[Catalogue, Changes, Sections], list[str]]] = {
    "received": _received,
    "supplemented": _supplemented,
    "verified": _verified,
    "re_reviewed": _verified,
    "extended": _extended,
    "scored": _scored,
    "published": _published,
    "objected": _objected,
    "republished": _republished,
    "voided": _voided,
}


def _lines(catalogue: Catalogue, action: str, c: Changes) -> tuple[list[str], Sections]:
    """What an event changed, as lines of text, and (for a verification) its results per department."""
    sections: Sections = []
    describe = _CHANGE_LINES.get(action)
    lines = describe(catalogue, c, sections) if describe else []
    return lines, sections


def timeline(catalogue: Catalogue, events: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One entry per event, oldest first: when (Beijing time), what, who, the state before and after, the changes."""
    entries = []
    for event in events:
        actor = event["actor"]
        who = f"{actor['name']}（{ACTOR_KIND_NAMES.get(actor['kind'], actor['kind'])}"
        who += f"，{actor['department']}）" if actor.get("department") else "）"
        lines, sections = _lines(catalogue, event["action"], event.get("changes") or {})
        before = STATE_NAMES.get(event["state_before"], "") if event.get("state_before") else "—"
        entries.append({
            "id": event.get("id"), "at": local_time(event["at"]), "action": event["action"],
            "action_name": ACTION_NAMES.get(event["action"], event["action"]), "who": who,
            "states": f"{before} → {STATE_NAMES.get(event['state_after'], event['state_after'])}",
            "lines": lines, "sections": sections, "score_id": event.get("score_id"),
        })  # fmt: skip
    return entries


def _claims_by_event(events: list[Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    """The applicant's claims as they stood at each event: received, then each supplement, then the objection's
    disputed values (what the re-review was asked to find)."""
    current: dict[str, Any] = {}
    by_event = {}
    for event in events:
        c = event.get("changes") or {}
        if event["action"] == "received":
            current = dict(c.get("claimed_facts", {}))
        elif event["action"] == "supplemented":
            current = {n: v for n, v in {**current, **c.get("facts", {})}.items() if v is not None}
        elif event["action"] == "objected":
            current = {**current, **c.get("facts", {})}
        by_event[event["id"]] = dict(current)
    return by_event


def _outcome(field: FactField | None, claimed: Any, verified: Any) -> str:
    if not claims.verifiable(field):
        return "as_claimed" if claimed == verified else claims.CORRECTED
    assert field is not None
    try:
        return claims.outcome(field, claimed, verified)
    except Invalid:
        return claims.CORRECTED


def score_chain(catalogue: Catalogue, history: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each score of the chain, oldest first, with its facts beside the claims they were verified against."""
    claimed_at = _claims_by_event(history["events"])
    order = {name: i for i, name in enumerate(catalogue)}
    chain = []
    for score in history["scores"]:
        facts: dict[str, Any] = score["facts"]
        claimed = claimed_at.get(score.get("scored_by_event"), {})
        rows = []
        for name in sorted(set(facts) | set(claimed), key=lambda n: (order.get(n, len(order)), n)):
            field = catalogue.get(name)
            outcome = _outcome(field, claimed.get(name), facts.get(name))
            if outcome == claims.NONE:
                continue
            rows.append({
                "label": label(catalogue, name), "claimed": value_text(claimed.get(name), field, "—"),
                "verified": value_text(facts.get(name), field, "—"), "outcome": outcome,
                "outcome_name": OUTCOME_NAMES.get(outcome, word("application_history.t26")),
                "department": (field.department if field else None) or "—",
            })  # fmt: skip
        derived = [
            (label(catalogue, n), value_text(v, catalogue.get(n), "—")) for n, v in score.get("derived", {}).items()
        ]
        chain.append({**score, "version_text": version_text(score.get("version")), "rows": rows, "derived": derived,
                      "created": local_time(score.get("created_at"))})  # fmt: skip
    return chain
