"""Form helpers of the console: inputs generated from a fact catalogue, Chinese checks, safe draft edits."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.model import FactField
from jifen.db import begin_write, get_db, get_session
from jifen.errors import Conflict
from jifen.models import RulesetVersionRow
from jifen.rows import document_from_row
from jifen.services import audit, rulesets

TYPE_NAMES = {"bool": "是/否", "int": "整数", "number": "数字", "date": "日期", "enum": "选项", "string": "文字"}


def fact_inputs(
    fields: list[FactField], values: Mapping[str, Any], errors: Mapping[str, list[str]]
) -> list[dict[str, Any]]:
    """What a template needs to draw one input per catalogue field (derived fields are shown, not asked)."""
    inputs = []
    for f in fields:
        if f.derived is not None:
            continue
        options = None
        if f.type == "enum":
            labels = f.value_labels or f.values
            options = list(zip(f.values, labels))
        elif f.type == "bool":
            options = [("true", "是"), ("false", "否")]
        raw = values.get(f.name, "")
        inputs.append({
            "name": f.name, "label": f.label, "type": f.type, "type_name": TYPE_NAMES[f.type], "required": f.required,
            "department": f.department, "options": options, "value": "" if raw is None else str(raw).lower() if isinstance(raw, bool) else str(raw),
            "min": f.min, "max": f.max, "errors": errors.get(f.name, []),
        })  # fmt: skip
    return inputs


def parse_facts(
    fields: list[FactField], form: Mapping[str, str], prefix: str = "fact_"
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Facts from form inputs, typed as a client would send them; empty inputs mean "not present"."""
    facts: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for f in fields:
        if f.derived is not None:
            continue
        raw = (form.get(prefix + f.name) or "").strip()
        if raw == "":
            continue
        if f.type == "bool":
            facts[f.name] = raw == "true"
        elif f.type == "int":
            if re.fullmatch(r"-?\d+", raw):
                facts[f.name] = int(raw)
            else:
                errors[f.name] = [f"应为整数，填写的是 {raw}"]
        elif f.type == "number":
            number = parse_decimal(raw)
            if number is None:
                errors[f.name] = [f"应为数字，填写的是 {raw}"]
            else:
                facts[f.name] = number
        else:
            facts[f.name] = raw
    return facts, errors


def split_list(raw: str | None) -> list[str]:
    """A list typed in one input: 「公安局、法院」, 「a, b」 or 「a，b」 → ``["…", "…"]``."""
    return [part.strip() for part in re.split(r"[、,，]", raw or "") if part.strip()]


def parse_decimal(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def form_number(form: Mapping[str, str], name: str, label: str, errors: dict[str, list[str]], *, required: bool = False,
                non_negative: bool = False, positive: bool = False) -> Decimal | None:  # fmt: skip
    """A number input with the console's checks: at most two decimals, sign as asked."""
    raw = (form.get(name) or "").strip()
    if raw == "":
        if required:
            errors.setdefault(name, []).append(f"请填写{label}")
        return None
    value = parse_decimal(raw)
    if value is None:
        errors.setdefault(name, []).append(f"{label}应为数字，填写的是 {raw}")
    elif value != value.quantize(Decimal("0.01")):
        errors.setdefault(name, []).append(f"{label}最多两位小数")
    elif positive and value <= 0:
        errors.setdefault(name, []).append(f"{label}必须大于0")
    elif non_negative and value < 0:
        errors.setdefault(name, []).append(f"{label}不能为负数")
    else:
        return value
    return None


@contextmanager
def writing() -> Iterator[Session]:
    """The request's session in a write transaction of its own (committed at the end, rolled back on error)."""
    session = get_session()
    session.commit()  # end the reads of the request so far
    with get_db().writing():
        begin_write(session)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def edit_draft(
    row_id: int, expected_lock: int, actor: str, what: str, change: Callable[[Session, RulesetVersionRow], None]
) -> RulesetVersionRow:
    """Apply ``change`` to a draft, refusing with Conflict if someone saved it since the editor loaded it.

    The audit log gets the whole version before and after.
    """
    with writing() as session:
        row = rulesets.get_version(session, row_id)
        if row.lock_version != expected_lock:
            raise Conflict(
                f"{row.ref} was changed by someone else (now at edit {row.lock_version}, you edited {expected_lock})"
            )
        before = document_from_row(row)
        change(session, row)
        session.flush()
        rulesets.touch(session, row, expected_lock)
        try:
            session.flush()
        except StaleDataError:
            raise Conflict(f"{row.ref} was changed by someone else while you saved") from None
        audit.record(session, actor, "edit", "version", object_id=row.id, object_ref=row.ref, before=before,
                     after=document_from_row(row), note=what)  # fmt: skip
    return row
