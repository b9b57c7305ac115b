"""Scenes benchmark: a list of N applicants drawn, ranked and published — wall time and peak memory.

    python bench/scenes.py [--n 100000] [--seed 7] [--keep DIR]

Builds a scratch SQLite database (migrated, the sample rulesets imported) holding N published applications of 2026
with their stored scores: the results are real engine results of 500 generated applicants (bench/impact.py's
generator, scored under tongxiang/2026/1), each reused for N / 500 applicants, so that totals tie as they do in a
real population. A few per cent are voided, under re-review or not yet published. Then, in a fresh process (so
that its peak RSS is the measurement's own), under a scene whose ranking reads the result of every applicant
(``[total, "category:base", "indicator:T3", received_on]``, quota N / 10, ties flagged):

- ``compute``: the basis read and the list ranked, with every reason (``jifen.scenes.listing.compute``) — the
  target: ≤ 5 s and ≤ 300 MiB for 100,000;
- ``publish``: computed again, stored (N rows), hashed and signed, committed;
- ``verify``: the stored list against its hash, its signature and a ranking of the stored scores it names;
- ``page``: one page of 100 lines of the published list, with its flags.

Each runs in a fresh process; its peak memory is that process's VmHWM (its peak RSS, Python and Flask included).
The target is judged on CPU seconds (user + system of the process), which on a shared machine stay what they are on
an idle one while the wall time stretches; both are printed. ``--keep DIR`` keeps (and reuses) the database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS, TARGET_MIB = 5.0, 300.0
DISTINCT = 500
SCENE = {"code": "school-entry-primary", "name": "积分入学（小学一年级）", "year": 2026, "department": "市教育局",
         "cutoff_date": "2026-06-30", "threshold": 60, "ranking": ["total", "category:base", "indicator:T3",
         "received_on"], "ties": "flag"}  # fmt: skip


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("bench_impact", ROOT / "bench" / "impact.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_impact"] = module
    spec.loader.exec_module(module)
    return module


def _app(url: str, keys: Path) -> Any:
    os.environ["DATABASE_URL"] = url
    os.environ["JIFEN_SIGNING_KEY_DIR"] = str(keys)
    sys.path.insert(0, str(ROOT))
    from application import create_app

    return create_app()


def build(url: str, keys: Path, n: int, seed: int) -> None:
    """The scratch database: migrated, the sample rulesets, N applications with their scores."""
    from jifen.statements.keys import KeyStore
    from jifen.store.migrate import upgrade

    upgrade(url)
    KeyStore(keys).create()
    app = _app(url, keys)
    from sqlalchemy import insert

    from jifen.scoring import compiled
    from jifen.standard import rulesets
    from jifen.store.db import get_db
    from jifen.store.models import Application, ScoreRow

    db = get_db(app)
    with app.app_context(), db.transaction() as s:
        for path in sorted((ROOT / "rulesets").glob("*.yaml")):
            rulesets.import_text(s, path.read_text(encoding="utf-8"), path.name, "bench")
    rng = random.Random(seed)
    generate = _generator().application
    with app.app_context(), db.factory() as s:
        ref = compiled.select_version(s, 2026, dt.date(2026, 6, 1))
        engine = compiled.compiled_for(s, ref)
        results: list[tuple[str, str, Any, bool]] = []
        while len(results) < DISTINCT:
            facts = generate(rng, len(results))["facts"]
            facts.pop("night_shift_months", None)
            try:
                result = engine.score(facts, as_of=dt.date(2026, 6, 1))
            except Exception:  # a drawn applicant the catalogue refuses: draw another
                continue
            results.append((json.dumps(facts), _dumps(result), result["total"], result["eligible"]))
    started = time.perf_counter()
    with db.transaction() as s:
        for start in range(0, n, 5000):
            scores, apps = [], []
            for k in range(start, min(n, start + 5000)):
                facts, text, total, eligible = results[k % DISTINCT]
                score_id, reference = str(uuid.uuid4()), f"TX-2026-{k:07d}"
                received = dt.date(2026, 3, 1) + dt.timedelta(days=k % 60)
                state = rng.choices(["published", "voided", "re_reviewing", "scored"], [94, 2, 2, 2])[0]
                scores.append({"id": score_id, "application_ref": reference, "year": 2026, "as_of": received,
                               "version_id": ref.id, "content_hash": ref.content_hash, "facts": facts, "derived": "{}",
                               "result": text, "total": total, "eligible": eligible, "client_name": "bench",
                               "seq": 1, "created_at": dt.datetime.now(dt.UTC)})  # fmt: skip
                apps.append({"application_ref": reference, "year": 2026, "channel": "window", "state": state,
                             "received_on": received, "claimed_facts": {}, "round": 1, "score_id": score_id,
                             "published_on": None if state == "scored" else dt.date(2026, 4, 1),
                             "voided_on": dt.date(2026, 5, 2) if state == "voided" else None,
                             "void_reason": "permit_cancelled" if state == "voided" else None,
                             "objection_filed_on": dt.date(2026, 4, 3) if state == "re_reviewing" else None,
                             "created_by": "bench", "created_at": dt.datetime.now(dt.UTC),
                             "updated_at": dt.datetime.now(dt.UTC)})  # fmt: skip
            s.execute(insert(ScoreRow), scores)
            s.execute(insert(Application), apps)
    print(f"built {n} applications ({DISTINCT} distinct results) in {time.perf_counter() - started:.1f} s")


def _dumps(result: Any) -> str:
    from engine.result import dumps

    return dumps(result)


def _peak_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(url: str, keys: Path, n: int, what: str, code: str) -> dict[str, Any]:
    """In this (fresh) process, one of: ``compute``, ``publish``, ``verify`` (with a page read); its seconds, CPU
    seconds and the process's peak RSS."""
    app = _app(url, keys)
    from jifen.scenes import definition, drafts, freezing, listing
    from jifen.statements import signing
    from jifen.store.db import get_db

    db = get_db(app)
    given = definition.read({**SCENE, "code": code, "quota": max(1, n // 10)})
    figures: dict[str, Any] = {}
    signer = signing.signer_for(app)
    started, cpu = time.perf_counter(), time.process_time()
    with app.app_context():
        if what == "compute":
            with db.factory() as s:
                entries = listing.compute(s, given)
                figures["lines"] = len(entries)
                figures["basis"] = sum(1 for e in entries if e.rank is not None)
                figures["tied"] = sum(1 for e in entries if e.outcome == "tie_flagged")
        elif what == "publish":
            with db.transaction() as s:
                freezing.publish(s, drafts.create(s, given, "bench"), "bench", signer)
        else:
            with db.factory() as s:
                scene = drafts.get(s, given.code, given.year)
                figures["verified"] = freezing.verify(s, scene, signer).ok
                figures["page"] = time.perf_counter() - started
                listing.page(s, scene, 500, 100)
                figures["page"] = time.perf_counter() - started - figures["page"]
    figures["seconds"], figures["cpu"] = time.perf_counter() - started, time.process_time() - cpu
    figures["peak_mib"] = _peak_mib()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="Build the scratch database here (kept).")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # a fresh process: the database's URL
    parser.add_argument("--what", default="compute", help=argparse.SUPPRESS)
    parser.add_argument("--code", default="school-entry-primary", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        keys = Path(args.measure.split("///", 1)[1]).parent / "keys"
        print(json.dumps(measure(args.measure, keys, args.n, args.what, args.code)))
        return 0
    f: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        where = args.keep or Path(scratch)
        where.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{where / 'bench.db'}"
        if not (where / "bench.db").exists():
            build(url, where / "keys", args.n, args.seed)
        started = time.time()
        for what in ("compute", "publish", "verify"):
            code = f"bench-{int(started)}"  # a scene of its own: a kept database has the earlier runs' published
            command = [sys.executable, __file__, "--n", str(args.n), "--measure", url, "--what", what, "--code", code]
            run = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
            if run.returncode != 0:
                print(run.stdout, run.stderr)
                return 1
            f[what] = json.loads(run.stdout.strip().splitlines()[-1])
    c, p, v = f["compute"], f["publish"], f["verify"]
    print(f"scene list of {c['lines']} applicants ({c['basis']} in the basis, {c['tied']} tied at the last place)")
    for name, g, what in ((c, "compute", "basis read, ranked, reasons"), (p, "publish", "computed, stored, hashed, "
                          "signed, committed"), (v, "verify", "hash, signature, ranked again from the stored scores")):  # fmt: skip
        print(
            f"{g:8} {name['seconds']:6.2f} s wall, {name['cpu']:6.2f} s CPU, peak RSS {name['peak_mib']:4.0f} MiB ({what})"
        )
    print(f"verified {'ok' if v['verified'] else 'FAILED'}; a page of 100 of the published list: {v['page']:.3f} s")
    met_time, met_memory = c["cpu"] <= TARGET_SECONDS, c["peak_mib"] <= TARGET_MIB
    print(f"targets for compute ≤ {TARGET_SECONDS:.0f} s (CPU): {'met' if met_time else 'MISSED'}, "
          f"≤ {TARGET_MIB:.0f} MiB: {'met' if met_memory else 'MISSED'}")  # fmt: skip
    return 0 if met_time and met_memory else 2


if __name__ == "__main__":
    sys.exit(main())
