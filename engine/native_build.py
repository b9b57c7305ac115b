"""Compile the engine's hot modules (``engine.native.MODULES``) with mypyc into ``build/native``.

    python -m engine.native_build [--target DIR] [--if-needed]

Needs mypy (the project's test dependencies have it) and the C compiler that durable_rules' own extension
needs; takes about 15 seconds. The sources are compiled in a scratch copy, so the source tree never holds an
extension module that would shadow its ``.py``; the build replaces the target directory whole, with a manifest of
the sources it compiled (``engine.native`` uses it only while they are unchanged).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from engine.native import MANIFEST, MODULES, SOURCES, manifest, native_dir, source_hashes, unusable

# the shared library of the compiled modules: a top-level module name of its own
GROUP = "jifen_engine_native"

# the project's mypy settings as far as compiling needs them (pyproject.toml's [tool.mypy]); a library without
# types is Any here (the project's own mypy run, tests/test_habits.py, is where stubs are checked)
MYPY_INI = """\
[mypy]
python_version = 3.11
strict = True
ignore_missing_imports = True
"""

SETUP = """\
import sys
from setuptools import setup
from mypyc.build import mypycify
setup(name="jifen-engine-native", script_args=["build_ext", "--inplace"],
      ext_modules=mypycify(["--config-file", "mypy.ini", *sys.argv[1:]], group_name=%r))
"""


def build(target: Path) -> list[Path]:
    """Compile into ``target`` (replaced whole); the files written."""
    hashes = source_hashes()
    with tempfile.TemporaryDirectory(prefix="jifen-native-") as scratch:
        work = Path(scratch)
        shutil.copytree(SOURCES, work / "engine", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
        (work / "mypy.ini").write_text(MYPY_INI, encoding="utf-8")
        (work / "setup.py").write_text(SETUP % GROUP, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "setup.py", *(f"engine/{name}.py" for name in MODULES)],
            cwd=work, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"mypyc failed (exit {done.returncode}):\n{done.stdout[-4000:]}{done.stderr[-4000:]}")
        fresh = target.with_name(target.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        (fresh / "engine").mkdir(parents=True)
        for library in [*work.glob("*.so"), *(work / "engine").glob("*.so")]:
            shutil.copy2(library, fresh / library.relative_to(work))
        (fresh / MANIFEST).write_text(json.dumps(manifest(hashes, GROUP), indent=1), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    fresh.rename(target)
    return sorted(target.rglob("*.so"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=Path, default=None, help="default: build/native beside the engine package")
    parser.add_argument("--if-needed", action="store_true", help="do nothing when the build there is of these sources")
    args = parser.parse_args(argv)
    target = (args.target or native_dir()).resolve()
    if args.if_needed and unusable(target) is None:
        print(f"the native build in {target} is of the current sources")
        return
    written = build(target)
    print(f"compiled {len(MODULES)} modules of the engine into {target} ({len(written)} libraries)")


if __name__ == "__main__":
    main()
