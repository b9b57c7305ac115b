"""Schemathesis over the whole API, from its own OpenAPI document: no 5xx, and every answer as documented.

Stateless: each operation with generated valid and invalid requests. Stateful: sequences of calls that follow
the document's links (a stored score → fetch it, verify it, list its application, re-review it). Both are
bounded and derandomized so that a run is repeatable; they run on SQLite and, in CI, on PostgreSQL.
"""

from __future__ import annotations

import itertools
import shutil
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.specs.openapi.checks import negative_data_rejection

from jifen.access import api_clients
from tests.conftest import Snapshot, empty_postgres

SETTINGS = settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def reset(db: Any, seeded: Any, database_url: str, _seeded_template: str | Snapshot) -> Any:
    """Put the database back as seeded and make a key with every scope of the fuzzed operations; the key."""
    from jifen.scoring.compiled import published_cache

    def fresh(first: bool = False) -> str:
        if not first:
            db.session.remove()
            db.engine.dispose()
            if isinstance(_seeded_template, Snapshot):
                empty_postgres(_seeded_template)
            else:
                shutil.copyfile(_seeded_template, database_url.removeprefix("sqlite:///"))
            published_cache.clear()
            api_clients._cache.clear()
        with db.transaction() as s:
            return api_clients.create_client(s, "fuzzer", ["score", "read"], "test")[1]

    return fresh


@pytest.fixture
def api_schema(seeded: Any, reset: Any) -> Any:
    """The live document, with a real key for every operation that needs one (and none where it is not needed,
    so that Schemathesis can also check that a missing or wrong key is refused)."""
    key = [reset(first=True)]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", seeded)

    class Bearer:
        def get(self, case: Any, ctx: Any) -> str:
            return key[0]

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    schema.auth(refresh_interval=None)(Bearer)
    schema.__dict__["jifen_key"] = key
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")
# A request the document allows may still be refused with 422: facts are checked against the catalogue of the
# version in force, and rules across fields (a birth date before the application date) are beyond a schema.
# Everything else is checked: no 5xx, documented statuses, content types, headers and response schemas, and
# invalid requests refused.
# A batch answers 200 with an outcome per application, also for one that is not a valid BatchItem (it fails alone,
# by design): only a wrong envelope refuses the whole batch.
EXCLUDED = [positive_data_acceptance]
BATCH_EXCLUDED = [*EXCLUDED, negative_data_rejection]
BATCH = "/api/v1/scores/batch"


def excluded(case: Any) -> list[Any]:
    return BATCH_EXCLUDED if case.path == BATCH else EXCLUDED


@schema.parametrize()
@SETTINGS
def test_stateless(case: Any) -> None:
    case.call_and_validate(excluded_checks=excluded(case))


APPLICANTS = [
    {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01"},
    {"permit_valid": True, "permit_endorsed": True, "birth_date": "1960-02-29", "insurance_months": 240},
    {"permit_valid": False, "permit_endorsed": True, "birth_date": "2001-12-31", "education": "master"},
]


def test_stateful(api_schema: Any, reset: Any) -> None:
    """Sequences that store scores and follow the links: fetch, verify, list, and re-review (supersedes)."""
    from hypothesis import strategies as st

    from api.schemas import ScoreRequestSchema

    refs = itertools.count(1)

    # Generated facts are almost never a plausible applicant. Half of the schema-valid score requests (invalid
    # ones are left alone: they must be refused) carry a real applicant under a new reference instead, so that
    # sequences store scores and follow the links: fetch, verify, list and re-review them.
    @api_schema.hook("flatmap_body")  # type: ignore[misc]
    def plausible(ctx: Any, body: Any) -> Any:
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("facts"), dict)
            or "applications" in body
            or ScoreRequestSchema().validate(body)
        ):
            return st.just(body)
        kept = {k: v for k, v in body.items() if k not in ("version", "as_of", "dry_run", "supersedes")}
        # a new reference on every call (not drawn: a replayed example must generate the same draws)
        real = st.sampled_from(APPLICANTS).map(
            lambda facts: {**kept, "application_ref": f"ST-{next(refs)}", "year": 2026, "facts": facts}
        )
        return st.one_of(st.just(body), real)

    class Machine(api_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # every scenario starts from the seeded database: the same calls get the same answers when
            # Hypothesis replays a scenario, and no scenario depends on what an earlier one stored
            api_schema.jifen_key[0] = reset()

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=excluded(case),
                transport_kwargs=kwargs or None,
            )

    Machine.run(
        settings=settings(
            max_examples=30,
            stateful_step_count=8,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
