"""HTTP benchmark of the public pages: gunicorn on loopback, 16 concurrent clients (wrk) on each page in turn.

    python bench/public_load.py [--duration 10] [--concurrency 16] [--workers 2] [--threads 4] [--database-url URL]

Starts the service as bench/api_load.py does (its helpers: gunicorn, a migrated database with the sample rulesets,
on a scratch SQLite file or an EMPTY PostgreSQL database of its own), then drives each page for ``--duration``
seconds with wrk (Debian's package `wrk`), one connection per client:

- ``GET /standard``: the standard in force (rendered once per process, then one small query a request);
- ``GET /standard`` with the ETag of the page (``If-None-Match``): the answer of a browser that has it, 304;
- ``GET /self-assessment?…``: a filled-in assessment, the facts of a golden case (the one stating the most facts,
  from ../shared/cases/golden-2026.json; without it the API benchmark's facts) in the address.

Before the load it checks each page once (the standard's heading, the assessment's ``data-total`` against the golden
case's total). It prints requests/s and p50/p95/p99 latency per page and whether the issue's target (p99 ≤ 100 ms)
is met, and exits 1 on any error (an answer other than the one expected, a socket error). The client runs on the
same cores as the server.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_load import FACTS, ROOT, flask, free_port, wait_until_up  # bench/ is not a package: found on the path above

GOLDEN = ROOT.parent / "shared" / "cases" / "golden-2026.json"
TARGET_P99_MS = 100.0

LUA = r"""
statuses = {}
local path, etag, out = "%(path)s", "%(etag)s", "%(out)s"
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    if etag ~= "" then wrk.headers["If-None-Match"] = etag end
end

function request()
    return wrk.format("GET", path)
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local counts = {}
    for _, thread in ipairs(threads) do
        local s = thread:get("statuses")
        for code, n in pairs(s) do counts[code] = (counts[code] or 0) + n end
    end
    local parts = {}
    for code, n in pairs(counts) do table.insert(parts, '"' .. code .. '":' .. n) end
    local e = summary.errors
    local f = io.open(out, "w")
    f:write(string.format(
        '{"requests":%%d,"seconds":%%f,"p50":%%f,"p95":%%f,"p99":%%f,"max":%%f,"socket_errors":%%d,"statuses":{%%s}}',
        summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
        latency:percentile(99) / 1e3, latency.max / 1e3, e.connect + e.read + e.write + e.timeout,
        table.concat(parts, ",")))
    f:close()
end
"""


def golden_case() -> tuple[str, dict[str, Any], Decimal | None]:
    """The golden case of 2026 that states the most facts (its name, facts and total), else the API bench's facts."""
    if not GOLDEN.exists():
        return "bench/api_load.py FACTS", FACTS, None
    cases = json.loads(GOLDEN.read_text(encoding="utf-8"), parse_float=Decimal)
    case = max(cases, key=lambda c: len(c["facts"]))
    return case["name"], case["facts"], Decimal(str(case["expected"]["total"]))


def assessment_path(facts: dict[str, Any], year: int = 2026) -> str:
    """The address of a filled-in assessment: each fact a parameter named after it."""
    params = {"year": str(year)}
    params.update(
        {name: str(value).lower() if isinstance(value, bool) else str(value) for name, value in facts.items()}
    )
    return "/self-assessment?" + urllib.parse.urlencode(params)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")


def wrk(base: str, name: str, path: str, seconds: int, connections: int, work: Path, etag: str = "") -> dict[str, Any]:
    """Run wrk on ``path`` for ``seconds`` with ``connections`` connections, one per thread; its summary."""
    out = work / f"{name}.json"
    script = work / f"{name}.lua"
    lua_path = path.replace("\\", "\\\\").replace('"', '\\"')
    lua_etag = etag.replace("\\", "\\\\").replace('"', '\\"')
    script.write_text(LUA % {"path": lua_path, "etag": lua_etag, "out": out}, encoding="utf-8")
    subprocess.run(
        ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
         "-s", str(script), base],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def check_pages(base: str, assessment: str, total: Decimal | None) -> tuple[str, list[str]]:
    """The standard's ETag, and what is wrong with the pages (empty when both answer as they should)."""
    problems = []
    status, headers, page = fetch(base + "/standard")
    if status != 200 or "2026年度" not in page or "ETag" not in headers:
        problems.append(f"/standard answered {status} without the 2026 standard or its ETag")
    status, _, page = fetch(base + assessment)
    marker = 'data-total="'
    shown = page[page.index(marker) + len(marker) :].split('"', 1)[0] if marker in page else None
    if status != 200 or shown is None:
        problems.append(f"the assessment answered {status} without a total")
    elif total is not None and Decimal(shown) != total:
        problems.append(f"the assessment's total {shown} is not the golden case's {total}")
    return headers.get("ETag", ""), problems


def report(name: str, r: dict[str, Any], ok: int) -> int:
    """Print one page's figures; the number of its errors (answers other than ``ok``, socket errors)."""
    statuses = {int(k): v for k, v in r["statuses"].items()}
    bad = {k: v for k, v in statuses.items() if k != ok}
    rps = r["requests"] / r["seconds"]
    print(
        f"{name:<30} {rps:>7.0f} req/s   p50 {r['p50']:6.1f} ms   p95 {r['p95']:6.1f} ms   "
        f"p99 {r['p99']:6.1f} ms   max {r['max']:6.1f} ms   non-{ok}: {sum(bad.values())} {bad or ''}  "
        f"socket errors: {r['socket_errors']}"
    )
    return sum(bad.values()) + int(r["socket_errors"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (connections)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", help="an empty PostgreSQL database for this run (default: scratch SQLite)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="jifen-public-bench-"))
    port = free_port()
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    env = {**os.environ, "DATABASE_URL": url, "JIFEN_INSTANCE_DIR": str(work), "JIFEN_ACCESS_LOG": "",
           "JIFEN_BIND": f"127.0.0.1:{port}", "JIFEN_WORKERS": str(args.workers), "JIFEN_THREADS": str(args.threads)}  # fmt: skip
    flask(env, "db", "upgrade")
    flask(env, "rulesets", "import", *sorted(str(p) for p in (ROOT / "rulesets").glob("*.yaml")))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    database = "PostgreSQL " + url.split("@")[-1] if args.database_url else f"SQLite {work / 'bench.db'}"
    case, facts, total = golden_case()
    assessment = assessment_path(facts)
    try:
        wait_until_up(base)
        etag, problems = check_pages(base, assessment, total)
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if problems:
            return 1
        # warm every worker: the first standard renders the page, the first assessment compiles the version
        wrk(base, "warm-standard", "/standard", 2, args.workers * 2, work)
        wrk(base, "warm-assessment", assessment, 2, args.workers * 2, work)
        print(
            f"command: python bench/public_load.py --duration {args.duration} --concurrency {args.concurrency} "
            f"--workers {args.workers} --threads {args.threads}" + (" --database-url …" if args.database_url else "")
        )
        print(
            f"server: gunicorn {args.workers} workers × {args.threads} threads (gthread) on {base}, {database}; "
            f"client: wrk, {args.concurrency} connections, {args.duration} s per page, same machine "
            f"({os.cpu_count()} cores)"
        )
        print(f"assessment: the facts of golden case “{case}” ({len(facts)} facts; total {total})\n")
        errors = 0
        missed = []
        for name, path, tag, ok in (
            ("GET /standard", "/standard", "", 200),
            ("GET /standard, If-None-Match", "/standard", etag, 304),
            ("GET /self-assessment?…", assessment, "", 200),
        ):
            r = wrk(base, name.replace(" ", "_").replace("/", "").replace(",", ""), path, args.duration,
                    args.concurrency, work, tag)  # fmt: skip
            errors += report(name, r, ok)
            if r["p99"] > TARGET_P99_MS:
                missed.append(name)
        verdict = "met" if not missed else "NOT met by " + ", ".join(missed)
        print(f"\ntarget p99 ≤ {TARGET_P99_MS:.0f} ms: {verdict}")
        print(f"errors: {errors}")
        return 0 if errors == 0 else 1
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
