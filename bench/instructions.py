"""Instructions per application, counted by valgrind (callgrind): a figure a busy machine does not blur.

    python bench/instructions.py [--root DIR ...] [--stage full|json|validate|match|explain|total ...] [--n 5000]

For each checkout (``--root``, default this one) and each stage, runs the scoring of ``--n`` synthetic applications
of ``bench/scoring.py`` (seed 7, 2026 sample) once and twice under ``valgrind --tool=callgrind`` and prints the
difference divided by ``--n``: the instructions one more pass costs, warm (versions compiled, caches filled), the
start-up and the first pass left out. Timings on a shared machine drift by a factor of two within minutes; these
counts repeat to a few parts in a thousand. They are not time (a cache miss costs more than an add), so the
timed benchmarks stay the measure; this one says whether a change does less work.

Stages: ``full`` is ``CompiledVersion.score`` (what bench/scoring.py times), ``json`` ``score_json`` (the API's
path), ``validate``/``match``/``explain`` its three steps, ``total`` the provincial table's total (the matching
benchmark's figure against zen-engine), ``zen`` zen-engine evaluating the same table for the same applications.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("full", "json", "validate", "match", "explain", "total", "zen")

# run inside valgrind: score the applications ``passes`` times in the given stage
_WORK = """
import sys
root, stage, passes, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sys.path.insert(0, root)
import engine
print(engine.NATIVE)
from bench.scoring import ON, provincial_only, synthetic_applications
from engine import compile_version, load_file
version = load_file(root + "/rulesets/tongxiang-2026.yaml")
apps = synthetic_applications(version, n, 7)
compiled = compile_version(provincial_only(version) if stage in ("total", "zen") else version)
typed = [compiled.validate(a, ON)[0] for a in apps]
fired = [compiled.match(t) for t in typed]
steps = {
    "full": lambda: [compiled.score(a, as_of=ON) and None for a in apps],
    "json": lambda: [compiled.score_json(a, as_of=ON) and None for a in apps],
    "validate": lambda: [compiled.validate(a, ON) and None for a in apps],
    "match": lambda: [compiled.match(t) and None for t in typed],
    "explain": lambda: [compiled.explain(t, f) and None for t, f in zip(typed, fired)],
    "total": lambda: [compiled.total(t) and None for t in typed],
}
if stage == "zen":  # zen-engine evaluating the same applications, validated, as bench/scoring.py gives them to it
    import datetime, decimal, json, zen
    from bench.scoring import JDM_GRAPH
    graph = json.loads(JDM_GRAPH.read_text(encoding="utf-8"))
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {"provincial": graph}}})
    contexts = [{k: float(v) if isinstance(v, decimal.Decimal) else v.isoformat() if isinstance(v, datetime.date)
                 else v for k, v in t.items()} for t in typed]
    steps["zen"] = lambda: [engine.evaluate("provincial", c) and None for c in contexts]
    steps["zen"]()
for _ in range(passes):
    steps[stage]()
"""


def instructions(python: str, root: Path, stage: str, passes: int, n: int) -> tuple[int, str]:
    """Instructions of a whole run (valgrind's 'Collected'), and how the engine's modules ran (``engine.NATIVE``)."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, "-c", _WORK]
    run = subprocess.run([*command, str(root), stage, str(passes), str(n)], capture_output=True, text=True, check=True)
    found = re.search(r"Collected\s*:\s*(\d+)", run.stderr)
    if found is None:
        raise SystemExit(f"valgrind printed no count:\n{run.stderr[-2000:]}")
    return int(found.group(1)), run.stdout.splitlines()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, action="append", help="a checkout to measure (repeatable)")
    parser.add_argument("--stage", choices=STAGES, action="append", help="what to measure (repeatable; default full)")
    parser.add_argument("--n", type=int, default=5000, help="applications per pass")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    for root in args.root or [ROOT]:
        for stage in args.stage or ["full"]:
            once, _ = instructions(sys.executable, root.resolve(), stage, 1, args.n)
            twice, modules = instructions(sys.executable, root.resolve(), stage, 2, args.n)
            print(f"{root}  {stage:<8} {(twice - once) / args.n:>10,.0f} instructions per application ({modules})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
