"""Signed statements under load (``bench/api_load.py --statements``): publications, each of which signs, and
verifications, with what signing and verifying alone cost."""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.request
from pathlib import Path
from typing import Any

from api_load import FACTS, flask, wrk  # bench/ is not a package

# --- signed statements (--statements) -------------------------------------------------------------------------
STATEMENT_DAY = "2026-06-15"  # the service's today (JIFEN_TODAY) for the publications: inside the holiday data


def prepare_scored(env: dict[str, str], count: int) -> list[str]:
    """``count`` applications received and verified by every department through the service: each is scored and
    waits for its publication. Their references."""
    import datetime as dt

    os.environ.update(env)
    from application import create_app
    from jifen import applications
    from jifen.applications import Actor, Context, workdays
    from jifen.scoring import claims, compiled
    from jifen.store.db import get_db

    app = create_app()
    db = get_db(app)
    received, today = dt.date(2026, 6, 1), dt.date.fromisoformat(STATEMENT_DAY)
    facts = {**FACTS, "application_date": received.isoformat()}
    refs = [f"BENCH-PUB-{n:05d}" for n in range(count)]
    with app.app_context(), db.transaction() as s:
        version = compiled.compiled_for(s, compiled.select_version(s, 2026, received)).version
    tasks = claims.plan(version, facts)
    with app.app_context():
        for ref in refs:
            with db.transaction() as s:
                calendar = workdays.load(s)
                applications.receive(Context(s, Actor("client", "intake"), today, calendar), ref, 2026, received,
                                     "window", facts)  # fmt: skip
                for unit, planned in tasks.items():
                    who = Actor("client", f"bench-{unit}"[:64], None, unit)
                    applications.verify(Context(s, who, today, calendar), ref, 2026, unit, planned)
    db.engine.dispose()
    return refs


def publish_all(base: str, key: str, refs: list[str], threads: int) -> dict[str, Any]:
    """Publish every application once, from ``threads`` client threads; throughput, latency, non-200 answers."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlsplit

    host = urlsplit(base)
    body = json.dumps({"published_on": STATEMENT_DAY})
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def run(mine: list[str]) -> list[tuple[float, int]]:
        conn, timings = http.client.HTTPConnection(host.hostname or "127.0.0.1", host.port, timeout=30), []
        for ref in mine:
            start = time.perf_counter()
            conn.request("POST", f"/api/v1/applications/{ref}/2026/publish", body, headers)
            answer = conn.getresponse()
            answer.read()
            timings.append((time.perf_counter() - start, answer.status))
        conn.close()
        return timings

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        done = [t for part in pool.map(run, [refs[i::threads] for i in range(threads)]) for t in part]
    seconds = time.perf_counter() - start
    latencies = sorted(t for t, _status in done)
    return {"requests": len(done), "seconds": seconds, "rps": len(done) / seconds,
            "p50": latencies[len(latencies) // 2] * 1e3, "p99": latencies[int(len(latencies) * 0.99)] * 1e3,
            "bad": sum(1 for _t, status in done if status != 200)}  # fmt: skip


def sign_and_verify_alone(env: dict[str, str], token: str, repeat: int = 2000) -> tuple[float, float]:
    """CPU microseconds per signature and per verification of a statement with the service's key (the JOSE work
    only): CPU time, not wall time, since the server's workers share the cores while this runs."""
    import base64

    from jifen.statements.keys import KeyStore
    from jifen.statements.signing import sign
    from jifen.statements.verify import verify_signature

    store = KeyStore(Path(env["JIFEN_INSTANCE_DIR"]) / "signing-keys")
    kid, key = store.active()
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "==="))
    jwks = store.jwks()
    start = time.process_time()
    for _ in range(repeat):
        sign(claims, kid, key)
    signing = (time.process_time() - start) / repeat * 1e6
    start = time.process_time()
    for _ in range(repeat):
        verify_signature(token, jwks)
    return signing, (time.process_time() - start) / repeat * 1e6


def statements_scenarios(env: dict[str, str], base: str, args: argparse.Namespace, work: Path) -> int:
    """Publications (each signs) and verifications; prints their figures, returns the number of errors."""
    publisher = flask(env, "api-clients", "create", "bench-publisher", "--scope", "publish,read").strip()
    started = time.perf_counter()
    refs = prepare_scored(env, args.publications)
    print(f"\nstatements: {len(refs)} applications received and verified in {time.perf_counter() - started:.0f} s")
    published = publish_all(base, publisher, refs, args.concurrency)
    print(
        f"{'POST …/publish (signs, stores)':<32} {published['rps']:>8.0f} req/s   p50 {published['p50']:6.1f} ms   "
        f"p99 {published['p99']:6.1f} ms   non-200: {published['bad']} of {published['requests']}"
    )
    answer = urllib.request.urlopen(
        urllib.request.Request(
            f"{base}/api/v1/applications/{refs[0]}/2026/statement", headers={"Authorization": f"Bearer {publisher}"}
        )
    )
    token = str(json.loads(answer.read())["statement"])
    r = wrk(base, "verify", publisher, args.duration, args.concurrency, work, json.dumps({"statement": token}))
    statuses = {int(k): v for k, v in r["statuses"].items()}  # type: ignore[attr-defined]
    bad = sum(v for k, v in statuses.items() if k != 200) + int(r["socket_errors"])  # type: ignore[call-overload]
    rps = r["requests"] / r["seconds"]  # type: ignore[operator]
    print(f"{'POST /statements/verify':<32} {rps:>8.0f} req/s   p50 {r['p50']:6.1f} ms   p99 {r['p99']:6.1f} ms   "
          f"non-200: {bad}")  # fmt: skip
    signing, verifying = sign_and_verify_alone(env, token)
    print(
        f"in this process: signing {signing:.0f} µs, verifying {verifying:.0f} µs CPU per statement (joserfc, Ed25519)"
    )
    return int(published["bad"]) + int(bad)
