"""An application's history as the console shows it: one timeline entry per event, in Chinese, and each score of
its chain beside the claims and verified facts that produced it. Built from ``application_views.history``."""

from __future__ import annotations

from collections.abc import Mapping
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
            "outcome_name": OUTCOME_NAMES.get(r.get("outcome", ""), r.get("outcome", "")),
        }
        for name, r in results.items()
    ]


def _lines(catalogue: Catalogue, action: str, c: Mapping[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """What an event changed, as lines of text, and (for a verification) its results per department."""
    lines: list[str] = []
    sections: list[dict[str, Any]] = []
    if action == "received":
        lines.append(word("application_history.t2", get=CHANNEL_NAMES.get(c.get('channel'), c.get('channel')), day_text=day_text(c.get('received_on')), get2=c.get('version')))  # fmt: skip
        lines.append(word("application_history.t3") + _facts_text(catalogue, c.get("claimed_facts", {})))
        lines += [word("application_history.t4") + t for t in _tasks_text(catalogue, c.get("tasks", {}))]
    elif action == "supplemented":
        before = c.get("claims_before", {})
        lines.append(word("application_history.t5", day_text=day_text(c.get("received_on"))))
        for name, value in c.get("facts", {}).items():
            field = catalogue.get(name)
            after = word("application_history.t6") if value is None else value_text(value, field)
            lines.append(f"{label(catalogue, name)}：{value_text(before.get(name), field, '—')} → {after}")
        lines += [word("application_history.t7") + t for t in _tasks_text(catalogue, c.get("reopened", {}))]
    elif action in ("verified", "re_reviewed"):
        for unit, task in c.get("tasks", {}).items():
            late = word("application_history.t8") if task.get("late") else ""
            sections.append({
                "title": word("application_history.t9", unit=unit, day_text=day_text(task.get('due')), late=late),
                "rows": _result_rows(catalogue, task.get("results", {})),
            })  # fmt: skip
        if c.get("note"):
            lines.append(word("application_history.t10", c=c["note"]))
    elif action == "extended":
        lines.append(word("application_history.t11", get=c.get("reason", "")))
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
    elif action == "scored":
        eligible = word("application_history.t14") if c.get("eligible") else word("application_history.t15")
        lines.append(word("application_history.t16", value_text=value_text(c.get('total'), None, '—'), eligible=eligible, version_text=version_text(c.get('version')), day_text=day_text(c.get('as_of'))))  # fmt: skip
        lines.append(word("application_history.t17") + _facts_text(catalogue, c.get("facts", {})))
        if c.get("supersedes"):
            lines.append(word("application_history.t18", c=c["supersedes"]))
    elif action == "published":
        lines.append(
            word(
                "application_history.t19",
                day_text=day_text(c.get("published_on")),
                day_text2=day_text(c.get("objection_deadline")),
            )
        )
    elif action == "objected":
        lines.append(word("application_history.t20", day_text=day_text(c.get("filed_on"))))
        lines.append(word("application_history.t21") + _facts_text(catalogue, c.get("facts", {})))
        lines += [word("application_history.t22") + t for t in _tasks_text(catalogue, c.get("tasks", {}))]
    elif action == "republished":
        lines.append(word("application_history.t23", day_text=day_text(c.get("published_on"))))
    elif action == "voided":
        lines.append(
            word(
                "application_history.t24",
                get=VOID_REASON_NAMES.get(c.get("reason"), c.get("reason")),
                day_text=day_text(c.get("date")),
            )
        )
        if c.get("cancelled_tasks"):
            lines.append(word("application_history.t25") + "、".join(c["cancelled_tasks"]))
    return lines, sections


def timeline(catalogue: Catalogue, events: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One entry per event, oldest first: when (Beijing time), what, who, the state before and after, the changes."""
    entries = []
    for event in events:
        actor = event["actor"]
        who = f"{actor['name']}（{ACTOR_KIND_NAMES.get(actor['kind'], actor['kind'])}"
        who += f"，{actor['department']}）" if actor.get("department") else "）"
        lines, sections = _lines(catalogue, event["action"], event.get("changes") or {})
        before = STATE_NAMES.get(event.get("state_before"), "") if event.get("state_before") else "—"
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
