"""What an integrator writes with a client generated from the live document (run by tests/api/test_client.py).

Checked with ``mypy --strict`` against the generated package, then run against a running service: typed facts in,
typed results out, no hand-written bridging. Exits with a message on the first surprise.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import uuid

from jifen_scoring_api_client import AuthenticatedClient
from jifen_scoring_api_client.api.applications import create_application, get_application
from jifen_scoring_api_client.api.scores import create_batch, create_score, get_score, list_scores, verify_score
from jifen_scoring_api_client.api.versions import diff_versions, get_version, get_version_in_force
from jifen_scoring_api_client.models import (
    Application,
    ApplicationRequest,
    ApplicationRequestChannel,
    ApplicationState,
    BatchItem,
    BatchRequest,
    BatchResponse,
    Diff,
    DryRun,
    FactsTongxiang,
    PartialFactsTongxiang,
    Problem,
    ProblemCode,
    Receipt,
    Score,
    ScoreList,
    ScoreRequest,
    StoredScore,
    TaskKind,
    TongxiangEducation,
    Verify,
    VersionDetail,
    VersionSummary,
)


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"client script: {what}")


def main() -> None:
    client = AuthenticatedClient(base_url=os.environ["BASE_URL"], token=os.environ["KEY"])
    ref = f"CLIENT-{uuid.uuid4().hex[:8]}"
    facts = FactsTongxiang(
        permit_valid=True,
        permit_endorsed=True,
        birth_date=dt.date(1990, 5, 1),
        education=TongxiangEducation.BACHELOR,
        insurance_months=36,
        volunteer_hours=120.5,
        skill_level=None,  # null: not present
    )
    request = ScoreRequest(application_ref=ref, year=2026, facts=facts, as_of=dt.date(2026, 6, 1))

    # score and store, with a retry key
    stored = create_score.sync(client=client, body=request, idempotency_key=f"{ref}-1")
    check(isinstance(stored, Score), f"createScore answered {stored!r}")
    assert isinstance(stored, Score)
    total: float = stored.total
    check(stored.eligible and total > 0 and stored.supersedes is None, "an eligible first score")
    check(any(i.code == "P1" and i.points == 20 for i in stored.indicators), "age points")
    check(all(isinstance(item.fired, bool) for ind in stored.indicators for item in ind.items), "typed items")

    # the same again without supersedes: a problem detail with the current score
    again = create_score.sync(client=client, body=request)
    check(isinstance(again, Problem) and again.code == ProblemCode.ALREADY_SCORED, f"409 answered {again!r}")
    assert isinstance(again, Problem)
    check(again.current_id == stored.id and again.status == 409, "current_id names the stored score")

    # a code added by a later version of the API: kept as a string, not an error (the code is an open enum)
    later = Problem.from_dict({"type": "/api/v1/docs#problem-new", "title": "New", "status": 409, "detail": "d",
                               "code": "a_code_added_later", "message": "d"})  # fmt: skip
    check(later.code == "a_code_added_later" and not isinstance(later.code, ProblemCode), "an unknown code")
    check(Problem.from_dict(again.to_dict()).code is ProblemCode.ALREADY_SCORED, "a known code is the enum member")

    # a dry run
    dry = create_score.sync(client=client, body=ScoreRequest(application_ref=ref, year=2026, facts=facts,
                                                            as_of=dt.date(2026, 6, 1), dry_run=True))  # fmt: skip
    check(isinstance(dry, DryRun) and dry.dry_run and dry.total == total, f"dry run answered {dry!r}")

    # a batch: one stored, one refused
    batch = create_batch.sync(
        client=client,
        body=BatchRequest(
            applications=[
                BatchItem(application_ref=f"{ref}-B", year=2026, facts=facts, as_of=dt.date(2026, 6, 1)),
                BatchItem(application_ref=ref, year=2026, facts=facts, as_of=dt.date(2026, 6, 1)),
            ]
        ),
    )
    check(isinstance(batch, BatchResponse), f"createBatch answered {batch!r}")
    assert isinstance(batch, BatchResponse)
    check([o.status for o in batch.results] == [201, 409] and batch.stored == 1, "batch outcomes")
    first = batch.results[0].result
    check(isinstance(first, Score) and first.total == total, "a batch outcome's typed score")

    # fetch, list, verify
    fetched = get_score.sync(client=client, score_id=stored.id)
    check(isinstance(fetched, StoredScore) and fetched.superseded_by is None, f"getScore answered {fetched!r}")
    listed = list_scores.sync(client=client, application_ref=ref, year=2026)
    check(isinstance(listed, ScoreList) and [s.id for s in listed.items] == [stored.id], f"listScores: {listed!r}")
    verdict = verify_score.sync(client=client, score_id=stored.id)
    check(
        isinstance(verdict, Verify) and verdict.reproduced is True and verdict.differences == [], f"verify: {verdict!r}"
    )

    # versions: the one in force, a whole one, the differences
    in_force = get_version_in_force.sync(client=client, year=2026, date=dt.date(2026, 6, 1))
    check(isinstance(in_force, VersionSummary) and in_force.ref == "tongxiang/2026/1", f"in force: {in_force!r}")
    assert isinstance(in_force, VersionSummary)
    version = get_version.sync(client=client, code="tongxiang", year=2026, revision=1)
    check(isinstance(version, VersionDetail) and len(version.document.indicators) > 10, "a whole version")
    assert isinstance(version, VersionDetail)
    check(version.document.facts[0].name == "permit_valid", "the version's typed document")
    diff = diff_versions.sync(client=client, a_code="tongxiang", a_year=2025, a_revision=1, b_code="tongxiang",
                              b_year=2026, b_revision=1)  # fmt: skip
    check(isinstance(diff, Diff) and len(diff.changes) > 0 and len(diff.cases) > 0, f"diff: {diff!r}")
    application_life(facts)
    print("client script: ok", stored.id, total)


def application_life(facts: FactsTongxiang) -> None:
    """An intake platform receives an application and reads it back: typed states, tasks and facts."""
    intake = AuthenticatedClient(base_url=os.environ["BASE_URL"], token=os.environ["APPLY_KEY"])
    ref = f"CLIENT-APP-{uuid.uuid4().hex[:8]}"
    body = ApplicationRequest(application_ref=ref, year=2026, received_on=dt.date(2026, 3, 16),
                              channel=ApplicationRequestChannel.WINDOW, facts=facts)  # fmt: skip
    receipt = create_application.sync(client=intake, body=body)
    check(isinstance(receipt, Receipt), f"createApplication answered {receipt!r}")
    assert isinstance(receipt, Receipt)
    check(receipt.state is ApplicationState.VERIFYING and len(receipt.lookup_code) == 14, "a typed receipt")
    check(all(t.kind is TaskKind.VERIFICATION and t.due > t.opened_on for t in receipt.tasks), "typed tasks")
    check(receipt.deadlines.verification is not None and receipt.score is None, "typed deadlines")
    read = get_application.sync(client=intake, application_ref=ref, year=2026)
    check(isinstance(read, Application), f"getApplication answered {read!r}")
    assert isinstance(read, Application)
    claimed = read.claimed_facts
    check(isinstance(claimed, PartialFactsTongxiang) and claimed.birth_date == dt.date(1990, 5, 1), "typed claims")


if __name__ == "__main__":
    main()
