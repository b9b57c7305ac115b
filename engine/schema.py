"""The shape of a ruleset document, declared once.

Every part of a version's document — its information, a fact of the catalogue, an eligibility requirement, a
category, an indicator, an item, a clause of a condition, a test case — is a :class:`Part`, and every field of a
part a :class:`Field`: its key, kind, whether it is required, its limits, its Chinese and English label, a help
text and its workbook column. The loader's structural checks, the canonical writer, the labels of the comparison
and of the audit log, the workbook's columns, the console's forms, the API's description of a version and the
JSON Schema of the document (:func:`json_schema`) are all read from here, so that a new field is one entry.

What a table cannot say — that a clause names a field of the catalogue, that an item's cap fits its indicator's —
stays in the loader.

>>> ITEM.field("materials").zh
'证明材料'
>>> [f.key for f in CATEGORY.fields]
['code', 'name', 'kind', 'cap']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from engine.model import CATEGORY_KINDS, DERIVATIONS, FIELD_TYPES, OPERATORS, STATUSES

# What a field holds, and so how it is read, written, shown and described:
#   identifier  lowercase name (a-z, 0-9, _), at most NAME_MAX        code    short code, at most CODE_MAX
#   text        one line, at most LABEL_MAX                            note    a paragraph, at most NOTE_MAX
#   integer     whole number within [low, high]                        boolean true or false
#   number      exact decimal (two places at most)                     points  a number of points (≤ 300)
#   date        ISO date                                               choice  one of ``choices``
#   texts       a list of one-line texts, at most ``limit`` of them    names   a list of identifiers
#   condition   a condition (a clause, or all/any of conditions)       part    a nested part (``part``)
#   parts       a list of nested parts (``part``)                      scores  a mapping of codes to numbers
#   facts       a mapping of fact names to values                      value   a clause's value (or list of values)
Kind = Literal[
    "identifier", "code", "text", "note", "integer", "boolean", "number", "points", "date", "choice", "texts",
    "names", "condition", "part", "parts", "scores", "facts", "value",
]  # fmt: skip

CODE_MAX = 16
NAME_MAX = 64
LABEL_MAX = 200
NOTE_MAX = 2000
POINTS_LIMIT = Decimal(300)  # no points, rate or cap goes beyond the 300-point total
MAX_PLACES = 2  # points, rates and caps: results are served with at most two decimals
MAX_MAGNITUDE = Decimal(2**53)  # JSON's safe integers: the bound facts are held to as well
CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.\-]*"
NAME_PATTERN = r"[a-z][a-z0-9_]*"


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a part: what it holds, its limits and its names in both languages."""

    key: str
    kind: Kind
    zh: str
    en: str
    required: bool = False
    help: str = ""
    # characters of a text; entries of a list (``texts``, ``names``, ``parts``)
    limit: int | None = None
    # characters of each entry of a ``texts`` list
    entry_limit: int | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    non_negative: bool = False
    positive: bool = False
    choices: tuple[str, ...] = ()
    choice_labels: tuple[str, ...] = ()
    part: str | None = None  # the nested part of a ``part`` or ``parts`` field
    non_empty: bool = False  # a list that must hold at least one entry
    nullable: bool = False  # an empty value (YAML ``cap:``) means the field is absent
    column: str | None = None  # the header of its own column in the workbook, if it has one
    wording: bool = False  # changing it changes words only, never a score
    what: str = ""  # what the loader's English messages say was expected ("a lowercase field name")
    problem: str | None = None  # the problem code of a value of the wrong form (a code, a choice)

    @property
    def label(self) -> str:
        """The Chinese label (the console's name of the field)."""
        return self.zh

    @property
    def text_limit(self) -> int:
        """The characters a text of this field may hold."""
        if self.limit is not None and self.kind in _TEXT_KINDS:
            return self.limit
        return {"identifier": NAME_MAX, "code": CODE_MAX, "note": NOTE_MAX}.get(self.kind, LABEL_MAX)


_TEXT_KINDS = frozenset({"identifier", "code", "text", "note"})


@dataclass(frozen=True, slots=True)
class Part:
    """A part of the document: its fields in the order the canonical document writes them."""

    name: str
    zh: str
    en: str
    fields: tuple[Field, ...]
    key: str | None = None  # the field naming one part among its siblings (code, name)

    def field(self, key: str) -> Field:
        """The field of ``key`` (KeyError if the part has none)."""
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(f"{self.name} has no field {key!r}")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields if f.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields if not f.required)


def _points(key: str, zh: str, en: str, **kw: Any) -> Field:
    return Field(key, "points", zh, en, low=Decimal(0), high=POINTS_LIMIT, non_negative=True, **kw)


VERSION = Part("version", "版本信息", "version information", (
    Field("ruleset", "identifier", "指标体系", "ruleset", required=True, wording=True,
          help="指标体系的英文代码，如 tongxiang", what="a lowercase code such as 'tongxiang'"),
    Field("year", "integer", "年度", "year", required=True, low=Decimal(2000), high=Decimal(2100),
          help="标准适用的年度"),
    Field("revision", "integer", "修订号", "revision", required=True, low=Decimal(1), high=Decimal(999),
          wording=True, help="同一年度的第几次修订"),
    Field("effective_from", "date", "生效日期", "effective from", required=True, help="自该日起按本版本评分"),
    Field("status", "choice", "状态", "status", required=True, choices=STATUSES,
          choice_labels=("草稿", "已发布", "已停用"), problem="unknown_status"),
    Field("title", "text", "标题", "title", required=True, wording=True, what="text"),
    Field("sample", "boolean", "样例标准", "sample", wording=True, help="分值仅供系统建设和测试，不是正式标准"),
    Field("legal_basis", "note", "政策依据", "legal basis", wording=True, help="本版本依据的法规和文件"),
    Field("description", "note", "说明", "description", wording=True),
    Field("facts", "parts", "申请事实", "facts", required=True, part="fact", non_empty=True),
    Field("eligibility", "parts", "申请资格条件", "eligibility", part="requirement"),
    Field("categories", "parts", "指标类别", "categories", required=True, part="category", non_empty=True),
    Field("indicators", "parts", "指标项", "indicators", required=True, part="indicator", non_empty=True),
    Field("cases", "parts", "测试用例", "test cases", part="case"),
))  # fmt: skip

DERIVATION = Part("derivation", "计算方式", "derivation", (
    Field("function", "choice", "计算方法", "function", required=True, choices=DERIVATIONS, choice_labels=("按周岁计算",),
          problem="unknown_function"),
    Field("source", "identifier", "来源字段", "source", required=True),
    Field("at", "identifier", "计算日期", "at", required=True),
))  # fmt: skip

FACT = Part("fact", "事实字段", "fact", (
    Field("name", "identifier", "字段", "name", required=True, column="字段", what="a lowercase field name",
          help="英文字段名，如 insurance_months；条件和计分方式用它引用本字段"),
    Field("type", "choice", "类型", "type", required=True, choices=FIELD_TYPES, column="类型",
          choice_labels=("是/否", "整数", "数字", "日期", "选项", "文字"), problem="unknown_type"),
    Field("label", "text", "名称", "label", required=True, column="名称", wording=True, what="text",
          help="申请人和窗口人员看到的名称，可带单位，如 慈善捐赠金额（元）"),
    Field("required", "boolean", "必填", "required", column="必填"),
    Field("values", "names", "可选值", "values", non_empty=True, what="a lowercase value",
          help="选项类型的可选值代码"),
    Field("value_labels", "texts", "可选值名称", "value labels", wording=True, what="the option's name",
          help="与可选值一一对应的中文名称"),
    Field("min", "number", "最小值", "min"),
    Field("max", "number", "最大值", "max"),
    Field("derived", "part", "计算方式", "derived", part="derivation"),
    Field("department", "text", "责任部门", "department", column="责任部门", wording=True, what="text"),
    Field("description", "note", "说明", "description", column="说明", wording=True),
), key="name")  # fmt: skip

REQUIREMENT = Part("requirement", "申请资格条件", "eligibility requirement", (
    Field("code", "code", "编号", "code", required=True, what="a code", problem="bad_code"),
    Field("when", "condition", "条件", "condition", required=True),
    Field("reason", "note", "不符合时的原因", "reason", required=True, wording=True, what="text",
          help="不满足条件时告诉申请人的原因，写明依据的条款"),
), key="code")  # fmt: skip

CATEGORY = Part("category", "指标类别", "category", (
    Field("code", "code", "编号", "code", required=True, what="a code", problem="bad_code"),
    Field("name", "text", "名称", "name", required=True, wording=True, what="text"),
    Field("kind", "choice", "计分方向", "kind", required=True, choices=CATEGORY_KINDS, choice_labels=("加分", "减分"),
          problem="unknown_kind"),
    _points("cap", "上限", "cap", nullable=True, help="本类别最多计多少分；不填为不设上限"),
), key="code")  # fmt: skip

INDICATOR = Part("indicator", "指标项", "indicator", (
    Field("code", "code", "编号", "code", required=True, column="编号", what="a code", problem="bad_code"),
    Field("name", "text", "名称", "name", required=True, column="指标", wording=True, what="text"),
    Field("category", "code", "所属类别", "category", required=True),
    _points("cap", "上限", "cap", nullable=True, column="上限", help="本指标项最多计多少分；不填为不设上限"),
    Field("departments", "texts", "责任部门", "departments", required=True, non_empty=True, column="责任部门",
          wording=True, what="text", help="核查本指标项的部门"),
    Field("reference", "note", "政策依据条款", "reference", required=True, column="依据", wording=True,
          what="the clause or table row this indicator implements", help="本指标项依据的条款或附表的行"),
    Field("items", "parts", "赋分细则", "items", required=True, part="item", non_empty=True),
), key="code")  # fmt: skip

PER_UNIT = Part("per_unit", "按单位计分", "per unit", (
    Field("field", "identifier", "计分字段", "field", required=True),
    Field("rate", "number", "每单位分值", "rate", required=True, high=POINTS_LIMIT, low=-POINTS_LIMIT),
    Field("unit", "number", "每满", "unit", positive=True, help="每满多少计一次分，默认为1"),
    Field("offset", "number", "基础分", "offset", high=POINTS_LIMIT, low=-POINTS_LIMIT, help="先得的分数，默认为0"),
))  # fmt: skip

ITEM = Part("item", "赋分细则", "item", (
    Field("code", "code", "编号", "code", required=True, column="编号", what="a code", problem="bad_code"),
    Field("label", "text", "名称", "label", required=True, column="细则", wording=True, what="text",
          help="本项的说明，应与条件和分值一致"),
    Field("when", "condition", "条件", "condition"),
    _points("fixed", "固定分值", "fixed points"),
    Field("per_unit", "part", "按单位计分", "per unit", part="per_unit"),
    _points("cap", "本项上限", "cap", nullable=True, column="上限", help="本项最多计多少分；不填为不设上限"),
    Field("group", "code", "不累加分组", "group", column="不累加分组", what="a group code", problem="bad_group",
          help="同一指标项中同组的细则只计分值最高的一项"),
    Field("reference", "note", "政策依据", "reference", column="依据", wording=True),
    Field("materials", "texts", "证明材料", "proof materials", limit=20, entry_limit=LABEL_MAX, column="证明材料",
          wording=True, what="text", help="申请人需提交的证明材料，每行一项，如 不动产权证书"),
), key="code")  # fmt: skip

CLAUSE = Part("clause", "条件", "clause", (
    Field("field", "identifier", "字段", "field", required=True),
    Field("op", "choice", "运算符", "operator", required=True, choices=OPERATORS, problem="unknown_operator"),
    Field("value", "value", "值", "value"),
))  # fmt: skip

EXPECTED = Part("expected", "预期结果", "expected result", (
    Field("eligible", "boolean", "具备申请资格", "eligible"),
    _points("total", "总分", "total"),
    Field("categories", "scores", "各类别得分", "category points"),
    Field("indicators", "scores", "各指标项得分", "indicator points"),
))  # fmt: skip

CASE = Part("case", "测试用例", "test case", (
    Field("name", "text", "用例", "name", required=True, column="用例", wording=True, what="text"),
    Field("as_of", "date", "评分日期", "as of", column="评分日期"),
    Field("facts", "facts", "申请事实", "facts", required=True, column="申请事实"),
    Field("expected", "part", "预期结果", "expected", required=True, part="expected", column="预期结果"),
), key="name")  # fmt: skip

PARTS: dict[str, Part] = {
    p.name: p
    for p in (VERSION, DERIVATION, FACT, REQUIREMENT, CATEGORY, INDICATOR, PER_UNIT, ITEM, CLAUSE, EXPECTED, CASE)
}


def label(part: str, key: str, language: str = "zh") -> str:
    """A field's label; a dotted key names a field of a nested part (``per_unit.rate`` → 每单位分值).

    >>> label("item", "per_unit.rate"), label("item", "group", "en")
    ('每单位分值', 'group')
    """
    head, _, rest = key.partition(".")
    f = PARTS[part].field(head)
    if rest and f.part is not None:
        return label(f.part, rest, language)
    return f.zh if language == "zh" else f.en


def choice_names(part: str, key: str) -> dict[str, str]:
    """A choice field's values with their Chinese names.

    >>> choice_names("fact", "type")["enum"]
    '选项'
    """
    f = PARTS[part].field(key)
    return dict(zip(f.choices, f.choice_labels or f.choices))


def field_labels(language: str = "zh") -> dict[str, str]:
    """Every field key of the document with its label (the first part that declares a key names it)."""
    out: dict[str, str] = {}
    for part in PARTS.values():
        for f in part.fields:
            out.setdefault(f.key, f.zh if language == "zh" else f.en)
    return out


# -- JSON Schema (draft 2020-12) ------------------------------------------------------------------------------

JSON_SCHEMA_ID = "/api/v1/schemas/ruleset.json"


def json_schema(schema_id: str = JSON_SCHEMA_ID) -> dict[str, Any]:
    """The document's shape as a JSON Schema: every part a ``$defs`` entry, every field a property.

    It checks the form of a document (keys, types, limits); what only the whole document can tell — that a
    clause's field is in the catalogue, that caps fit — is the loader's.

    >>> s = json_schema(); s["$defs"]["item"]["properties"]["materials"]["maxItems"]
    20
    """
    defs = {name: _part_schema(part) for name, part in PARTS.items()}
    defs["condition"] = {
        "title": "条件 condition",
        "description": "A clause, or all/any of conditions.",
        "oneOf": [
            {"$ref": "#/$defs/clause"},
            _group("all"),
            _group("any"),
        ],
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id,
        "title": "桐乡市居住证积分指标标准 ruleset version document",
        "description": "A ruleset version as the YAML files, the API and the workbook's machine column hold it.",
        "$ref": "#/$defs/version",
        "$defs": defs,
    }


def _group(mode: str) -> dict[str, Any]:
    words = {"all": "全部满足 all of", "any": "满足其一 any of"}
    return {
        "type": "object",
        "title": words[mode],
        "properties": {mode: {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}},
        "required": [mode],
        "additionalProperties": False,
    }


def _part_schema(part: Part) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "title": f"{part.zh} {part.en}",
        "properties": {f.key: _field_schema(f) for f in part.fields},
        "additionalProperties": False,
    }
    if part.required:
        out["required"] = list(part.required)
    if part is ITEM:  # exactly one way to score
        out["oneOf"] = [{"required": ["fixed"], "not": {"required": ["per_unit"]}},
                        {"required": ["per_unit"], "not": {"required": ["fixed"]}}]  # fmt: skip
    return out


def _number(f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "number"}
    high = f.high if f.high is not None else MAX_MAGNITUDE
    low = f.low if f.low is not None else -high
    if f.non_negative:
        low = Decimal(0)
    out["maximum"] = int(high) if high == high.to_integral_value() else float(high)
    if f.positive:
        out["exclusiveMinimum"] = 0
    else:
        out["minimum"] = int(low) if low == low.to_integral_value() else float(low)
    return out


def _text(f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": f.text_limit}
    if f.kind == "identifier":
        out["pattern"] = f"^{NAME_PATTERN}$"
    elif f.kind == "code":
        out["pattern"] = f"^{CODE_PATTERN}$"
    return out


def _list(entry: dict[str, Any], f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "array", "items": entry}
    if f.non_empty:
        out["minItems"] = 1
    if f.limit is not None:
        out["maxItems"] = f.limit
    return out


_KIND_SCHEMAS: dict[str, Callable[[Field], dict[str, Any]]] = {
    "identifier": _text, "code": _text, "text": _text, "note": _text,
    "integer": lambda f: {"type": "integer", "minimum": int(f.low or 0), "maximum": int(f.high or MAX_MAGNITUDE)},
    "boolean": lambda f: {"type": "boolean"},
    "number": _number, "points": _number,
    "date": lambda f: {"type": "string", "format": "date"},
    "choice": lambda f: {"enum": list(f.choices)},
    "texts": lambda f: _list({"type": "string", "minLength": 1, "maxLength": f.entry_limit or LABEL_MAX}, f),
    "names": lambda f: _list({"type": "string", "pattern": f"^{NAME_PATTERN}$", "maxLength": NAME_MAX}, f),
    "condition": lambda f: {"$ref": "#/$defs/condition"},
    "part": lambda f: {"$ref": f"#/$defs/{f.part}"},
    "parts": lambda f: _list({"$ref": f"#/$defs/{f.part}"}, f),
    "scores": lambda f: {"type": "object", "additionalProperties": {"type": "number"}},
    "facts": lambda f: {"type": "object"},
    "value": lambda f: {},  # a clause's value: one value of the field's type, or a list of them
}  # fmt: skip


def _field_schema(f: Field) -> dict[str, Any]:
    out = _KIND_SCHEMAS[f.kind](f)
    if f.nullable:
        out = {"anyOf": [out, {"type": "null"}]}
    return {"title": f.zh, "description": f"{f.en}" + (f". {f.help}" if f.help else ""), **out}
