"""cProfile of full scoring (the work ``bench/scoring.py`` measures), as text: where the time goes.

    python bench/profiles/scoring_profile.py [--root DIR] [--n 20000] > bench/profiles/scoring-after.txt

``--root`` profiles another checkout's engine (e.g. an exported older commit) with the same applications.
The flame graph beside it is py-spy's: ``py-spy record -r 500 -o scoring-after.svg -- python bench/scoring.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    sys.path.insert(0, str(args.root))
    from bench.scoring import ON, synthetic_applications
    from engine import compile_version, load_file
    from engine.result import dumps_bytes

    version = load_file(args.root / "rulesets" / "tongxiang-2026.yaml")
    apps = synthetic_applications(version, args.n, 7)
    compiled = compile_version(version)
    typed = [compiled.validate(a, ON)[0] for a in apps]
    fired = [compiled.match(t) for t in typed]

    def per_app(step: str, run: object) -> None:
        best = min(_timed(run) for _ in range(3))  # CPU time: the machine is shared
        print(f"{step:<30} {best / len(apps) * 1e6:6.2f} µs per application")

    print(f"root {args.root}; {len(apps)} applications of bench/scoring.py (seed 7), best of 3, no profiler:")
    per_app("validate", lambda: (compiled.validate(a, ON) for a in apps))
    per_app("match (durable_rules)", lambda: (compiled.match(t) for t in typed))
    per_app("explain", lambda: (compiled.explain(t, f) for t, f in zip(typed, fired)))
    per_app("score (all three)", lambda: (compiled.score(a, as_of=ON) for a in apps))
    per_app("score + JSON bytes", lambda: (dumps_bytes(compiled.score(a, as_of=ON)) for a in apps))
    if hasattr(compiled, "score_json"):  # the API's path since issue 23: the JSON written at once
        per_app("score_json (the same bytes)", lambda: (compiled.score_json(a, as_of=ON) for a in apps))
        per_app("total (provincial bench's)", lambda: (compiled.total(t) for t in typed))
    profile = cProfile.Profile()
    profile.enable()
    for facts in apps:
        dumps_bytes(compiled.score(facts, as_of=ON))
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
    print("\ncProfile of score + JSON bytes, by own time:")
    print(out.getvalue().replace(str(args.root), "."))


def _timed(run: object) -> float:
    start = time.process_time()
    for _ in run():  # type: ignore[operator]
        pass
    return time.process_time() - start


if __name__ == "__main__":
    main()
