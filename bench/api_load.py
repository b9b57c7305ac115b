"""HTTP benchmark: gunicorn on loopback, POST /api/v1/scores (stored and dry run) against GET /healthz.

    python bench/api_load.py [--requests 4000] [--concurrency 8] [--workers 2] [--threads 4]

Starts the service as the README does (gunicorn, embedded SQLite, sample rulesets imported) in a scratch
directory, then drives each endpoint with ApacheBench (Debian's apache2-utils: `ab`) for a fixed number of
requests over keep-alive connections, and prints requests/s, p50 and p99 latency for each and the ratios.
The client runs on the same 2 cores as the server: compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACTS = {
    "permit_valid": True, "permit_endorsed": True, "birth_date": "1988-03-15", "application_date": "2026-03-15",
    "education": "college", "skill_level": 3, "insurance_months": 96, "residence_months": 100,
    "local_insurance_months": 90, "provident_fund_months": 40, "labor_contract": True, "shortage_post": True,
    "dwelling": "registered_rental", "local_residence_months": 90, "volunteer_hours": 120, "income_tax_paid": 2600,
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def flask(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def ab(
    url: str, requests: int, concurrency: int, work: Path, body: dict[str, object] | None = None, key: str = ""
) -> dict[str, float]:
    """Run ApacheBench; return requests/s, p50 and p99 (ms) and the failures it counted."""
    csv_path = work / "percentiles.csv"
    cmd = ["ab", "-q", "-k", "-n", str(requests), "-c", str(concurrency), "-e", str(csv_path)]
    if key:
        cmd += ["-H", f"Authorization: Bearer {key}"]
    if body is not None:
        body_path = work / "body.json"
        body_path.write_text(json.dumps(body), encoding="utf-8")
        cmd += ["-p", str(body_path), "-T", "application/json"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    with csv_path.open() as f:
        rows = {int(float(r[0])): float(r[1]) for r in csv.reader(f) if r and r[0][0].isdigit()}
    return {"rps": rps, "p50": rows[50], "p99": rows[99], "failed": failed + (int(non2xx.group(1)) if non2xx else 0)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=8,
        help="concurrent connections (default: the 2 × 4 request slots of the server)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    if shutil.which("ab") is None:
        print("ApacheBench is missing: apt-get install apache2-utils", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="jifen-bench-"))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'bench.db'}", "JIFEN_INSTANCE_DIR": str(work),
           "JIFEN_ACCESS_LOG": "", "JIFEN_BIND": f"127.0.0.1:{port}", "JIFEN_WORKERS": str(args.workers),
           "JIFEN_THREADS": str(args.threads)}  # fmt: skip
    flask(env, "db", "upgrade")
    flask(env, "rulesets", "import", *sorted(str(p) for p in (ROOT / "rulesets").glob("*.yaml")))
    key = flask(env, "api-clients", "create", "bench", "--scope", "score,read").strip()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        stored_body = {"application_ref": "BENCH-1", "year": 2026, "facts": FACTS, "as_of": "2026-06-01"}
        dry_body = {**stored_body, "dry_run": True}
        # warm every worker: the first score in a process compiles the version
        ab(f"{base}/api/v1/scores", 50, args.workers * 2, work, dry_body, key)
        print(
            f"command: python bench/api_load.py --requests {args.requests} --concurrency {args.concurrency} --workers {args.workers} --threads {args.threads}"
        )
        print(
            f"server: gunicorn {args.workers} workers × {args.threads} threads (gthread) on {base}, SQLite {work / 'bench.db'}; client: ab -k -c {args.concurrency} -n {args.requests}, same machine ({os.cpu_count()} cores)\n"
        )
        results = {}
        for name, url, body in (
            ("GET /healthz", f"{base}/healthz", None),
            ("POST /api/v1/scores dry_run", f"{base}/api/v1/scores", dry_body),
            ("POST /api/v1/scores stored", f"{base}/api/v1/scores", stored_body),
        ):
            results[name] = r = ab(url, args.requests, args.concurrency, work, body, key if body else "")
            print(
                f"{name:<30} {r['rps']:>8.0f} req/s   p50 {r['p50']:6.1f} ms   p99 {r['p99']:6.1f} ms   failed {int(r['failed'])}"
            )
        health = results["GET /healthz"]["rps"]
        dry, stored = results["POST /api/v1/scores dry_run"], results["POST /api/v1/scores stored"]
        print(f"\ndry run / healthz throughput: {dry['rps'] / health:.2f}   (target ≥ 0.50)")
        print(f"stored  / healthz throughput: {stored['rps'] / health:.2f}")
        print(f"stored: {stored['rps']:.0f} req/s (target ≥ 400), p99 {stored['p99']:.1f} ms (target ≤ 50)")
        count = (
            subprocess.run(
                ["sqlite3", str(work / "bench.db"), "SELECT count(*) FROM scores"], capture_output=True, text=True
            ).stdout.strip()
            if shutil.which("sqlite3")
            else "?"
        )
        print(f"scores stored: {count}")
        return 0 if all(r["failed"] == 0 for r in results.values()) else 1
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
