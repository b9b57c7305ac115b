"""The engine's hot modules compiled to C by mypyc, used when a build of exactly the current sources is there.

Scoring one application runs validation, the match's glue and the explanation in Python around durable_rules'
C core; compiled, those modules do the same work in about two thirds of the time (docs/developer/benchmarks.md).
``python -m engine.native_build`` (run by ``scripts/setup``) compiles ``MODULES`` into ``build/native`` with a
manifest of the sources it compiled. At import, ``engine`` puts that directory before its own on the package's
path only when every source still reads what the manifest says and the build is for this interpreter: an edited
source runs as Python (with a warning naming it) until the next build, never as a stale extension.

``JIFEN_NATIVE=0`` runs the pure Python modules even when a build is there; ``JIFEN_NATIVE_DIR`` moves the build.
The results are the same bytes either way (the regression file, ``tests/engine/test_regression.py``); CI runs
the engine's tests both ways.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import sysconfig
from pathlib import Path

# The modules a score runs through per application, in the order they import one another.
MODULES = ("facts", "adapter", "plans", "explain", "evaluator")
SOURCES = Path(__file__).resolve().parent
MANIFEST = "manifest.json"

log = logging.getLogger("engine")


def native_dir() -> Path:
    """Where the build is: ``JIFEN_NATIVE_DIR``, else ``build/native`` beside the package."""
    return Path(os.environ.get("JIFEN_NATIVE_DIR") or SOURCES.parent / "build" / "native")


def source_hashes() -> dict[str, str]:
    """The sha256 of each compiled module's source as it is now."""
    return {name: hashlib.sha256((SOURCES / f"{name}.py").read_bytes()).hexdigest() for name in MODULES}


def manifest(hashes: dict[str, str], group: str) -> dict[str, object]:
    """What a build records: the interpreter it is for, its shared library's module and the sources compiled."""
    return {"ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"), "group": group, "sources": hashes}


def unusable(directory: Path) -> str | None:
    """Why the build in ``directory`` cannot be used for the current sources (None: it can)."""
    try:
        found = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "absent"
    except (OSError, ValueError) as exc:
        return f"its manifest cannot be read ({exc})"
    if not isinstance(found, dict) or found.get("ext_suffix") != sysconfig.get_config_var("EXT_SUFFIX"):
        return "built for another interpreter"
    sources = found.get("sources")
    changed = [f"engine/{name}.py" for name, digest in source_hashes().items() if (sources or {}).get(name) != digest]
    return f"{', '.join(changed)} changed since it was built" if changed else None


def load(package_path: list[str]) -> str:
    """Put the native build before the sources on ``package_path`` (the engine package's ``__path__``) when it is
    usable; say which modules run: ``native``, ``python`` (turned off or no build) or ``python (… changed …)``."""
    if os.environ.get("JIFEN_NATIVE", "1") == "0":
        return "python"
    directory = native_dir()
    why = unusable(directory)
    if why == "absent":
        return "python"
    if why is not None:
        log.warning(
            "engine: not using the native build in %s: %s; rebuild with python -m engine.native_build", directory, why
        )
        return f"python ({why})"
    # the modules share one library of mypyc's, imported by its top-level name
    sys.path.append(str(directory))
    package_path.insert(0, str(directory / "engine"))
    return "native"
