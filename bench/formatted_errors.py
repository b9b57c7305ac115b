"""Which Python lines make a request format exception messages that are thrown away, and how many per request.

    python bench/formatted_errors.py [--root DIR] [--n 1] [--mode dry|stored ...]

A miss such as ``getattr(x, "name", None)``, ``hasattr``, ``try: x.y except AttributeError``, a read of an
unset ``__slots__`` member, a module attribute asked for by ``from module import name`` (``__path__``) or an
``__index__`` refused builds its exception's message (``PyErr_Format``) before anyone catches it: ~2,000
instructions each, and callgrind shows only C frames. This runs the process of bench/store_instructions.py (the
application set up the same way, warmed, then ``--n`` requests of each mode through Flask's test client) under
gdb with CPython's own gdb extension (``python3.11-gdb.py`` beside the interpreter; CPython 3.11 built with
debug information, as pyenv builds it), stops at every ``_PyErr_SetObject`` called by ``_PyErr_FormatV`` while
the requests are answered, and prints, per mode and per request: how many, of which kind, the Python line that
asked, the message, and the first line of this project's code below it. Lines of ``werkzeug/test.py`` are the
test client's own, which a server does not run. It takes a minute or two.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import store_instructions  # (bench/ is not a package: its directory is on the path, as above)

# run by gdb: count the messages formatted between os.getppid() and os.getpgrp() (see store_instructions._WORK)
_GDB = r"""
import gdb, json, os
gdb.execute("source " + os.environ["JIFEN_LIBPYTHON"])
state = {"phase": 0, "on": False, "entry": 0}
records = []

def python_frames(limit=12):
    tstate = gdb.parse_and_eval("_PyRuntime.gilstate.tstate_current._value")
    frame = tstate.cast(gdb.lookup_type("PyThreadState").pointer())["cframe"]["current_frame"]
    frames = []
    while int(frame) and len(frames) < limit:
        pyop = PyFramePtr(frame)
        frames.append([pyop.filename(), pyop.current_line_num(), pyop.co_name.proxyval(set())])
        frame = frame["previous"]
    return frames

class Toggle(gdb.Breakpoint):
    def __init__(self, function, on):
        super().__init__(function, internal=True)
        self.on = on
    def stop(self):
        state["entry"] = state["entry"] or int(gdb.parse_and_eval("(long)&_PyErr_SetObject"))
        state["phase"] += self.on
        state["on"] = self.on
        return False

class Formatted(gdb.Breakpoint):
    def stop(self):
        top = gdb.newest_frame()
        if not state["on"] or top.pc() != state["entry"]:  # (the breakpoint has a second place inside the function)
            return False
        callers, frame = [], top.older()
        while frame is not None and len(callers) < 6:
            callers.append(frame.name() or "?")
            frame = frame.older()
        if "_PyErr_FormatV" not in callers[:2]:
            return False
        kind = gdb.parse_and_eval("((PyTypeObject *)%d)->tp_name" % int(top.read_var("exception"))).string()
        message = str(PyObjectPtr.from_pyobject_ptr(top.read_var("value")).proxyval(set()))
        records.append({"phase": state["phase"], "kind": kind, "message": message, "c": callers,
                        "python": python_frames()})
        return False

Toggle("getppid", True)
Toggle("getpgrp", False)
Formatted("_PyErr_SetObject", internal=True)
gdb.execute("run")
with open(os.environ["JIFEN_FORMATTED_OUT"], "w") as out:
    json.dump(records, out)
"""


def _libpython() -> Path:
    """CPython's gdb extension for the interpreter running this (pyenv installs it beside the binary)."""
    binary = Path(os.path.realpath(sys.executable))
    return binary.with_name(binary.name + "-gdb.py")


def _kind(record: dict[str, object]) -> str:
    c = record["c"]
    assert isinstance(c, list)
    if record["kind"] != "AttributeError":
        return str(record["kind"])
    if "PyMember_GetOne" in c:
        return "unset slot"
    if "module_getattro" in c:
        return "module attribute"
    return "attribute"


def _short(path: str, root: Path) -> str:
    """A library's file from its package, the standard library's from its module, ours from the checkout."""
    path = re.sub(r".*/site-packages/", "", path)
    path = re.sub(r".*/lib/python3\.\d+/", "", path)
    return path.removeprefix(f"{root}/")


def _own(frames: list[list[object]], root: Path) -> str:
    """The first frame of this project's code (not of the libraries in its virtual environment)."""
    for filename, line, _ in frames:
        name = str(filename)
        if name.startswith(str(root)) and "/.venv/" not in name:
            return f"{Path(name).relative_to(root)}:{line}"
    return "-"


def report(records: list[dict[str, object]], modes: list[str], n: int, root: Path) -> str:
    """Per mode: each place's count per request, its kind, the line asking, the message, our line below it."""
    lines = []
    for phase, mode in enumerate(modes, 1):
        rows = [r for r in records if r["phase"] == phase]
        counted: collections.Counter[tuple[str, str, str, str]] = collections.Counter()
        for r in rows:
            frames = r["python"]
            assert isinstance(frames, list)
            filename, line, function = frames[0]
            message = re.sub(r"^'[^']*' object", "an object", str(r["message"]))  # the type is in the line
            where = f"{_short(str(filename), root)}:{line} {function}"
            counted[(_kind(r), where, message[:70], _own(frames, root))] += 1
        lines.append(f"{mode}: {len(rows) / n:g} formatted and thrown away per request")
        for (kind, where, message, own), count in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {count / n:4g}  {kind:<16} {where:<58} {message:<70} ← {own}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=store_instructions.ROOT, help="the checkout to trace")
    parser.add_argument("--mode", choices=store_instructions.MODES, action="append", help="default both")
    parser.add_argument("--n", type=int, default=1, help="requests of each mode")
    args = parser.parse_args(argv)
    libpython = _libpython()
    if not libpython.exists():
        print(f"no {libpython}: this needs CPython's gdb extension beside the interpreter", file=sys.stderr)
        return 2
    root, modes = args.root.resolve(), args.mode or list(store_instructions.MODES)
    with tempfile.TemporaryDirectory(prefix="jifen-formatted-") as scratch:
        work = Path(scratch)
        env, key = store_instructions._setup(root, None, work)
        script, out = work / "formatted.py", work / "formatted.json"
        script.write_text(_GDB, encoding="utf-8")
        env.update(JIFEN_LIBPYTHON=str(libpython), JIFEN_FORMATTED_OUT=str(out))
        work_args = [str(root), ",".join(modes), "1", str(args.n), key, uuid.uuid4().hex[:12], "0"]
        command = ["gdb", "-batch", "-nx", "-x", str(script), "--args", sys.executable, "-c", store_instructions._WORK]
        run = subprocess.run([*command, *work_args], cwd=root, env=env, capture_output=True, text=True)
        if run.returncode != 0 or not out.exists():
            raise SystemExit(f"the run under gdb failed:\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}")
        records = json.loads(out.read_text(encoding="utf-8"))
    print(report(records, modes, args.n, root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
