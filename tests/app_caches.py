"""Caches shared by every app the tests create (the suite creates one per test): werkzeug's parsed URL rules and
compiled URL builders, and Jinja's compiled templates. Each keyed by what it is a function of, so that an app
differing in a rule, a converter or a template gets its own."""

from __future__ import annotations

from typing import Any


def install_app_caches() -> None:
    _cache_url_builders()
    _cache_rule_parsing()
    _share_compiled_templates()


def _cache_url_builders() -> None:
    """Reuse werkzeug's compiled URL builders across the apps the tests create.

    Most of ``create_app`` is werkzeug compiling Python source for each URL rule's builder (about 100 rules); the
    suite creates an app per test, each compiling the same code again. The builder is a function of the rule's
    parsed parts only (the converters are reached through the rule it is bound to), so one compiled function per
    rule serves every app. Rules with defaults (folded into the code as constants) are compiled as usual.
    """
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "cached", False):
        return
    builders: dict[tuple[Any, ...], Any] = {}

    def cached(self: Rule, append_unknown: bool = True) -> Any:
        if self.defaults:
            return compile_builder(self, append_unknown)
        key = (self.rule, tuple(self._trace), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    cached.cached = True  # type: ignore[attr-defined]
    Rule._compile_builder = cached  # type: ignore[method-assign]


def _cache_rule_parsing() -> None:
    """Parse each URL rule's text once for all the apps the tests create.

    Next to compiling builders, most of ``create_app`` is werkzeug parsing the text of each rule (about 100 per app)
    into the parts its matcher is built from. The parts are a function of the text and of the converters' classes
    that the text names; what parsing records on the rule (its trace, its converters, its arguments) is recorded
    once and replayed, each converter made anew for the app's map as werkzeug makes it.
    """
    from werkzeug.routing.rules import Rule

    parse = Rule._parse_rule
    if getattr(parse, "cached", False):
        return
    parsed: dict[tuple[Any, ...], tuple[list[Any], list[Any], list[Any]]] = {}

    def cached(self: Rule, rule: str) -> Any:
        key = (rule, tuple(self.map.converters.items()))
        if key not in parsed:
            made: list[tuple[Any, ...]] = []
            get_converter = self.get_converter

            def recorded(variable: str, converter: str, args: tuple[Any, ...], kwargs: Any) -> Any:
                made.append((variable, converter, args, kwargs))
                return get_converter(variable, converter, args, kwargs)

            start = len(self._trace)
            self.get_converter = recorded  # type: ignore[method-assign]
            try:
                parts = list(parse(self, rule))
            finally:
                del self.get_converter
            parsed[key] = (parts, self._trace[start:], made)
            return parts
        parts, trace, made = parsed[key]
        for variable, converter, args, kwargs in made:
            self._converters[variable] = self.get_converter(variable, converter, args, kwargs)
            self.arguments.add(variable)
        self._trace.extend(trace)
        return parts

    cached.cached = True  # type: ignore[attr-defined]
    Rule._parse_rule = cached  # type: ignore[method-assign]


def _share_compiled_templates() -> None:
    """Let every app the tests create share its compiled Jinja templates (Jinja's bytecode cache, kept in memory).

    Each app has an environment of its own, which would parse and compile every template it renders again; the
    bytecode is keyed by the template's name and a checksum of its source, so a changed template compiles anew.
    """
    from flask import Flask
    from jinja2 import BytecodeCache
    from jinja2.bccache import Bucket

    class SharedBytecode(BytecodeCache):
        def __init__(self) -> None:
            self.code: dict[str, bytes] = {}

        def load_bytecode(self, bucket: Bucket) -> None:
            if bucket.key in self.code:
                bucket.bytecode_from_string(self.code[bucket.key])

        def dump_bytecode(self, bucket: Bucket) -> None:
            self.code[bucket.key] = bucket.bytecode_to_string()

    if "bytecode_cache" not in Flask.jinja_options:
        Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedBytecode()}
