"""Schemathesis' stateful run over an application's life, following the document's links: a receipt → read it,
its history, supplement, verify, extend, publish, object, void — each answer as documented, never a 5xx."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from api.examples import example_facts
from jifen.access import api_clients

TODAY = dt.date(2026, 3, 16)


def test_stateful_over_the_application_links(seeded: Any, db: Any) -> None:
    seeded.config["TODAY"] = lambda: TODAY
    with db.transaction() as s:  # one key for every step of the life, acting for the department of most facts
        key = api_clients.create_client(s, "life-fuzzer", ["apply", "verify", "publish", "read"], "test", "公安局")[1]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", seeded).include(path_regex="^/api/v1/applications")

    class Bearer:  # the real key (Schemathesis also sends none, and a wrong one, to see them refused)
        def get(self, case: Any, ctx: Any) -> str:
            return key

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    schema.auth(refresh_interval=None)(Bearer)
    refs = itertools.count(1)
    facts = {k: v for k, v in example_facts(2026).items() if v is not None}

    # Generated receipts are almost never a plausible applicant: half of the receipts carry a real one under a new
    # reference instead, so that sequences follow the links from a stored application
    @schema.hook("flatmap_body")  # type: ignore[misc]
    def plausible(ctx: Any, body: Any) -> Any:
        if not isinstance(body, dict) or "channel" not in body or "received_on" not in body:
            return st.just(body)
        real = st.just(None).map(
            lambda _: {
                "application_ref": f"SL-{next(refs)}",
                "year": 2026,
                "received_on": TODAY.isoformat(),
                "channel": "window",
                "facts": facts,
            }
        )
        return st.one_of(st.just(body), real)

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            # a request the document allows may still be refused with 4xx (a step out of order, a date in the
            # future): everything else is checked — no 5xx, documented statuses, headers and answer schemas
            excluded = [positive_data_acceptance]
            if isinstance(case.body, dict) and str(case.body.get("application_ref", "")).startswith("SL-"):
                # the hook above put a real applicant in place of a body generated to be refused (a year of 2101,
                # say): it is accepted, as it should be
                excluded.append(negative_data_rejection)
            case.validate_response(response, excluded_checks=excluded)

    Machine.run(settings=settings(max_examples=15, stateful_step_count=6, derandomize=True, deadline=None,
                                  database=None, suppress_health_check=list(HealthCheck)))  # fmt: skip
