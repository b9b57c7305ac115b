"""The service layer's refusals as catalogued sentences: a code, its parameters, and the sentence in English (CLI,
API) and in Chinese (console), both looked up here by code (``tests/test_messages.py`` proves each has both).

A refusal is raised as ``raise refusal(Refused, "publish_without_note", ref=row.ref)``: an ordinary ServiceError
whose ``str()`` and ``reasons`` are the English sentences, and whose ``said`` and ``why`` keep the messages for
the console. A reason may also be a problem of the engine's catalogue (``engine.problems``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine import RulesetError
from jifen.errors import Refused, ServiceError

# code → (English, Chinese)
TEXTS: dict[str, tuple[str, str]] = {
    # finding a version
    "not_a_reference": ("not a version reference: {given!r}", "“{given}”不是版本号"),
    "write_reference": ("write it as RULESET/YEAR/REVISION, e.g. tongxiang/2026/1", "版本号的写法如 tongxiang/2026/1"),
    "no_version": ("no ruleset version {ref}", "没有版本 {ref}"),
    "no_version_in_force": ("no version in force for {year} on {on}", "{year} 年在 {on} 没有生效的版本"),
    # impact analyses waiting in line
    "impact_user_limit": (
        "you have {limit} impact analyses queued or running already; start another when one has finished",
        "您已有 {limit} 个影响分析在排队或运行，请等其中一个完成后再开始新的分析",
    ),
    # importing, exporting, cloning, comparing
    "not_valid_export": ("{ref} is not valid and cannot be exported", "{ref} 未通过校验，不能导出"),
    "not_valid_clone": ("{ref} is not valid and cannot be cloned", "{ref} 未通过校验，不能克隆"),
    "not_valid_compare": ("{ref} is not valid and cannot be compared", "{ref} 未通过校验，不能对比"),
    "not_valid_score": ("{ref} is not valid and cannot score", "{ref} 未通过校验，不能计算积分"),
    "other_content": (
        "{ref} already exists with other content ({existing}, {status}); {source} has {found}. Give the file a new "
        "revision, or edit the draft instead.",
        "{ref} 已存在且内容不同；请给文件使用新的修订号，或直接修改草稿",
    ),
    "no_new_revision": ("{ref} cannot get a new revision", "{ref} 不能再增加修订"),
    "workbook_stale": (
        "{source} was downloaded from {ref} before its last saves; importing it would undo them",
        "{source} 下载后，草稿 {ref} 又被保存过；导入会撤销这些修改，因此未导入",
    ),
    "workbook_download_again": (
        "download {ref} again and make the changes in that workbook, or import this one as a new draft",
        "请重新下载 {ref} 的工作簿并在其中修改，或把此工作簿导入为新的草稿后用“版本对比”核对",
    ),
    "workbook_draft_moved": (
        "{ref} was saved by someone else since the preview; look at the changes again",
        "预览之后 {ref} 又被其他人保存过；请重新查看将要导入的修改",
    ),
    "workbook_imported": ("workbook {source}, downloaded from {ref}", "工作簿 {source}（从 {ref} 下载）"),
    "workbook_merged": (
        "workbook {source}, downloaded from {ref}, merged with the saves since",
        "工作簿 {source}（从 {ref} 下载，已与下载后的保存合并）",
    ),
    "at_most_999": ("a year has at most 999 revisions", "每个年度最多999个修订"),
    "year_out_of_range": ("year {year} is out of range", "年度 {year} 超出范围"),
    "years_allowed": ("a year from 2000 to 2100", "年度应在2000至2100之间"),
    "year_has_published": (
        "{year} already has a published version ({refs}); a clone into it is a new revision that will not be in "
        "force before it is published",
        "{year} 年度已有已发布的版本（{refs}）；克隆得到的是该年度的新修订，发布前不会生效",
    ),
    # publishing and retiring
    "cannot_publish": ("{ref} cannot be published", "{ref} 不能发布"),
    "no_cases": ("it has no test cases: add at least one", "没有测试用例：请至少添加一个"),
    "cases_fail": ("{ref} cannot be published: {count} test case(s) fail", "{ref} 不能发布：{count} 个测试用例未通过"),
    "case_failed": ("test case {name!r}: {detail}", "测试用例“{name}”：{detail_zh}"),
    "lint_errors": ("{ref} cannot be published: {count} lint error(s)", "{ref} 不能发布：静态检查发现 {count} 个错误"),
    "lint_unacknowledged": (
        "{ref} cannot be published: {count} lint warning(s) not acknowledged; name each code in the note, "
        "e.g. 已知悉 {codes}",
        "{ref} 不能发布：{count} 个静态检查警告未确认；请在发布说明中写明，如“已知悉 {codes}”",
    ),
    "lint_finding": ("{code} ({where}): {zh} {en}", "{zh}（{code}，{where}）"),
    "not_a_draft": ("{ref} is {status}", "{ref} {status_zh}"),
    "only_drafts_publish": ("only a draft can be published", "只有草稿可以发布"),
    "without_note": ("{ref} cannot be published without a note", "{ref} 发布时必须填写发布说明"),
    "say_why": ("say what this version changes and why", "请说明此版本改了什么、为什么"),
    "publish_invalid": ("{ref} cannot be published: it is not valid", "{ref} 不能发布：未通过校验"),
    "only_published_retire": ("only a published version can be retired", "只有已发布的版本可以停用"),
    "retire_without_reason": ("{ref} cannot be retired without a reason", "停用 {ref} 必须填写原因"),
    "say_retire_why": ("say why it is no longer to be used", "请说明为什么不再使用此版本"),
    # drafts
    "only_drafts_edit": ("{ref} is {status}: only drafts can be edited", "{ref} {status_zh}，只有草稿可以修改"),
    "cannot_delete": ("{ref} is {status}: it cannot be deleted", "{ref} {status_zh}，不能删除"),
    "part_gone": ("no {kind} {key}", "{kind_zh} {key} 已不存在"),
    "reload": ("it was removed or renamed; reload the page", "它已被删除或改名；请刷新页面"),
    "changed_meanwhile": (
        "{ref} was changed by someone else: {what} is not as you loaded it; your change was not saved",
        "其他人已修改了{what}，您的修改未保存",
    ),
    "changed_while_saving": (
        "{ref} was changed by someone else while you saved; reload it",
        "保存时 {ref} 被其他人修改，请刷新页面后重新修改",
    ),
    "change_invalid": (
        "{ref}: the change was not saved, it leaves {count} problem(s)",
        "未保存：修改后 {ref} 将有 {count} 个问题",
    ),
    "fact_in_use": ("fact {name} is used and cannot be removed", "事实字段 {name} 正在被使用，不能删除"),
    "used_by": ("{kind} {key}", "{kind_zh} {key}"),
    "other_identity": ("the document is {found}, not {ref}", "文件是 {found}，不是 {ref}"),
    "keep_identity": ("keep ruleset, year and revision as they are", "指标体系、年度和修订号不能改变"),
    # users and API clients
    "needs_role": (
        "{user} ({role}) may not do this: needs the role {roles}",
        "{user} 无权执行此操作（需要角色：{roles_zh}）",
    ),
    "invalid_user_name": ("invalid user name", "用户名无效"),
    "name_rule": ("2–64 letters, digits, '.', '_' or '-'", "2至64个字母、数字、点、下划线或连字符"),
    "unknown_role": ("unknown role {role!r}", "没有角色“{role}”"),
    "one_of": ("one of: {choices}", "可选：{choices}"),
    "department_role_only": (
        "only a user of the role 'department' works for a department",
        "只有“部门审核员”角色的用户属于某个部门",
    ),
    "use_department_role": ("use --role department", "请选择“部门审核员”角色"),
    "days_count": ("a number of days must be between 0 and {high}, not {n}", "天数应在0至{high}之间，填写的是{n}"),
    "last_before_first": ("the last day {last} is before the first {first}", "结束日期 {last} 早于开始日期 {first}"),
    "at_most_a_year": ("at most a year of days at once", "一次最多录入一年（366天）"),
    "unknown_day_kind": ("unknown kind {kind!r}", "没有“{kind}”这种日期类型（应为休息日或上班日）"),
    "who_changes": ("say who makes the change (--user or JIFEN_USER)", "请说明由谁修改（--user 或 JIFEN_USER）"),
    "no_calendar_entry": (
        "the bureau's calendar has no entry from {first} to {last}",
        "工作日历中 {first} 至 {last} 没有录入的日期",
    ),
    "unknown_department": ("unknown department {name!r}", "没有部门“{name}”：事实目录中未出现此部门"),
    "no_department": ("no department given", "请填写部门"),
    "known_departments": (
        "one of the departments of the fact catalogues: {names}",
        "可选的部门（事实目录中出现的）：{names_zh}",
    ),
    "weak_password": ("password too weak", "密码强度不够"),
    "password_length": ("at least {length} characters", "至少{length}个字符"),
    "password_kinds": (
        "at least three of: lowercase letters, uppercase letters, digits, other characters",
        "小写字母、大写字母、数字、其他字符中至少三种",
    ),
    "password_common": ("not a common or repetitive password", "不能是常见或重复的密码"),
    "password_has_name": ("must not contain the user name", "不能包含用户名"),
    "user_exists": ("user {name!r} already exists", "用户“{name}”已存在"),
    "no_user": ("no user {name!r}", "没有用户“{name}”"),
    "invalid_client_name": ("invalid client name", "客户端名称无效"),
    "unknown_scopes": ("unknown scope(s): {scopes}", "无法识别的权限：{scopes}"),
    "choose_scopes": ("choose from: {choices}", "可选：{choices}"),
    "verify_scope_only": (
        "only a client with the scope 'verify' acts for a department",
        "只有具有 verify 权限的客户端属于某个部门",
    ),
    "add_verify_scope": ("add --scope verify", "请加上 verify 权限"),
    "client_exists": (
        "API client {name!r} already exists: `flask --app wsgi api-clients rotate {name}` gives it a new key (the old "
        "one stops working), or choose another name",
        "接口客户端“{name}”已存在：请换一个名称，或在命令行为它更换密钥（api-clients rotate {name}）",
    ),
    "client_name_revoked": (
        "API client {name!r} was revoked on {date} and its name is kept for the records (its stored scores and "
        "audit entries name it): create the client under another name, e.g. {name}-2",
        "接口客户端“{name}”已于{date}吊销，其名称保留在记录中（已存储的评分和审计日志引用它）：请用其他名称创建，例如“{name}-2”",
    ),
    "no_client": ("no API client {name!r}", "没有接口客户端“{name}”"),
    "client_revoked": ("API client {name!r} is already revoked", "接口客户端“{name}”已被吊销"),
    # signing keys and statements (issue 21)
    "no_signing_key": (
        "no signing key is active ({directory}): a result is published only with its signed statement; create a key "
        "with `flask --app wsgi keys create`",
        "没有可用的签名密钥（{directory}）：积分结果须附带签名声明才能公示；请由管理员用命令 flask --app wsgi keys create 创建密钥",
    ),
    "signing_key_file_missing": (
        "the private key of the active signing key {kid} is missing ({path}); restore the file or rotate the key",
        "当前签名密钥 {kid} 的私钥文件缺失（{path}）；请恢复该文件或更换密钥",
    ),
    "signing_key_exists": (
        "signing key {kid} is active already; `flask --app wsgi keys rotate` replaces it",
        "签名密钥 {kid} 已在使用；如需更换请用 keys rotate",
    ),
    "no_signing_key_id": ("no signing key {kid}", "没有签名密钥 {kid}"),
    "signing_key_retired": ("signing key {kid} was retired on {date}", "签名密钥 {kid} 已于 {date} 停用"),
    "malformed_statement": ("not a statement of a result: {why}", "不是积分结果声明：{why}"),
    "unknown_kid": (
        "no key {kid} in the issuer's key set: the statement was not signed by a key of this issuer",
        "签发机构的公钥中没有 {kid}：该声明不是由此机构的密钥签名的",
    ),
    "bad_signature": (
        "the signature does not match the statement (key {kid}): it was changed after signing, or not signed by it",
        "签名与声明内容不符（密钥 {kid}）：声明在签名后被改动过，或并非由该密钥签名",
    ),
    # recognition of another city's provincial points: trusted issuers and the statements' refusals (issue 21)
    "issuer_id_invalid": ("invalid issuer id {issuer!r}", "签发方标识“{issuer}”无效"),
    "issuer_id_rule": (
        "2–100 visible ASCII characters, no spaces, exactly as the other city configures it (its JIFEN_ISSUER), "
        "e.g. cn-zj-hangzhou",
        "2至100个英文字母、数字或符号（不含空格），与对方城市配置的标识（JIFEN_ISSUER）完全一致，如 cn-zj-hangzhou",
    ),
    "issuer_name_too_long": ("the name has more than {limit} characters", "名称最多{limit}个字"),
    "issuer_exists": (
        "issuer {issuer!r} is trusted already: `flask --app wsgi issuers update --issuer {issuer} --jwks FILE` "
        "replaces its keys",
        "签发方“{issuer}”已在信任列表中；如需更换公钥，请修改它",
    ),
    "no_issuer": ("no trusted issuer {issuer!r}", "信任列表中没有签发方“{issuer}”"),
    "jwks_invalid": ("not a usable JWKS", "不是可用的公钥集（JWKS）"),
    "jwks_too_large": ("the file is larger than {limit} bytes", "文件超过{limit}字节"),
    "jwks_not_json": ("the file is not JSON", "文件不是JSON格式"),
    "jwks_no_keys": (
        'it is not a JSON object with a non-empty list "keys" (the other city\'s /.well-known/jwks.json)',
        "文件中没有公钥列表“keys”（应为对方城市的 /.well-known/jwks.json）",
    ),
    "jwks_key_not_object": ("key {n} is not a JSON object", "第{n}个公钥不是JSON对象"),
    "jwks_private_key": (
        "key {n} holds private key material: ask the other city for its public JWKS",
        "第{n}个公钥含有私钥内容：请向对方城市索取公开的公钥集",
    ),
    "jwks_not_ed25519": ("key {n} is not an Ed25519 key (kty OKP, crv Ed25519)", "第{n}个公钥不是Ed25519公钥"),
    "jwks_no_kid": ("key {n} has no key id (kid)", "第{n}个公钥没有密钥标识（kid）"),
    "jwks_bad_x": ("key {n} has no 32-byte public key (x)", "第{n}个公钥的公钥值（x）无效"),
    "jwks_duplicate_kid": ("two keys have the same key id (kid)", "有两个公钥的密钥标识（kid）相同"),
    "untrusted_issuer": (
        "the statement's issuer {issuer!r} is not trusted here: the bureau adds another city with `flask --app wsgi "
        "issuers add`",
        "积分证明的签发方“{issuer}”不在本市的互认签发方名单中",
    ),
    "recognition_bad_signature": (
        "the statement's signature does not verify against the keys of trusted issuer {issuer}: {why}",
        "积分证明的签名无法用签发方 {issuer} 的公钥核验：证明可能被改动过，或不是该签发方签发的",
    ),
    "statement_year_mismatch": (
        "the statement is of {found}, the application of {year}",
        "积分证明是{found}年度的，申请是{year}年度的",
    ),
    "statement_expired": (
        "the statement was valid until {valid_until}, before the application was received ({received_on})",
        "积分证明的有效期至{valid_until}，早于申请受理日期{received_on}",
    ),
    "provincial_standard_differs": (
        "the statement's provincial standard ({found}) is not that of {ref} in force here ({here})",
        "积分证明所依据的省级共性指标标准与本市现行版本 {ref} 不一致",
    ),
}  # fmt: skip

STATUS_ZH = {"draft": "是草稿", "published": "已发布", "retired": "已停用"}
ROLE_ZH = {"editor": "编辑", "publisher": "发布人", "auditor": "审计", "admin": "管理员", "department": "部门审核员"}
KIND_ZH = {"item": "赋分细则", "indicator": "指标项", "fact": "事实字段", "case": "测试用例", "category": "类别",
           "requirement": "资格条件"}  # fmt: skip


def _zh_extras(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters shown differently in Chinese: a status, a role, a kind of part."""
    extra: dict[str, Any] = {}
    if "status" in params:
        extra["status_zh"] = STATUS_ZH.get(params["status"], params["status"])
    if "roles" in params:
        extra["roles_zh"] = "或".join(ROLE_ZH.get(r, r) for r in str(params["roles"]).split(" or "))
    if "kind" in params:
        extra["kind_zh"] = KIND_ZH.get(params["kind"], params["kind"])
    return extra


@dataclass(frozen=True)
class Message:
    """One catalogued sentence of the service layer."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, language: str = "en", place: Callable[[str], str] | None = None) -> str:
        en, zh = TEXTS[self.code]
        if language == "zh":
            return zh.format(**self.params, **_zh_extras(self.params))
        return en.format(**self.params)

    def __str__(self) -> str:
        return self.text("en")


def say(code: str, /, **params: Any) -> Message:
    return Message(code, params)


def refusal(cls: type[ServiceError], code: str, /, *, reasons: Iterable[Any] = (), **params: Any) -> ServiceError:
    """An exception of ``cls`` saying message ``code`` (with ``reasons``, each a Message or an engine problem)."""
    said = Message(code, params)
    why = list(reasons)
    assert all(hasattr(r, "text") for r in why), "a reason is a Message or an engine problem"
    exc = cls(str(said), [str(r) for r in why]) if issubclass(cls, Refused) else cls(str(said))
    exc.said, exc.why = said, why  # type: ignore[attr-defined]
    return exc


def lint_reason(finding: Any) -> Message:
    """A lint finding as a reason of a refusal (its own sentences are in both languages already)."""
    return Message("lint_finding", {"code": finding.code, "where": finding.where, "zh": finding.message("zh"),
                                    "en": finding.message("en")})  # fmt: skip


def case_reason(name: str, mismatches: list[Any]) -> Message:
    """A failing test case as a reason of a refusal."""
    return Message("case_failed", {"name": name, "detail": "; ".join(map(str, mismatches)),
                                   "detail_zh": "；".join(m.text("zh") for m in mismatches)})  # fmt: skip


def chinese(exc: BaseException) -> str:
    """An error in Chinese for a page that reports it later (a background job's failure): a catalogued refusal or
    the engine's problems in their Chinese, anything else as a failure of the system."""
    if isinstance(exc, RulesetError):
        return "；".join(f"{p.path}：{p.text('zh')}" if p.path else p.text("zh") for p in exc.problems)
    said = getattr(exc, "said", None)
    if said is None:
        return "系统内部错误（详见后台日志）"
    why = [w.text("zh") for w in getattr(exc, "why", [])]
    return str(said.text("zh")) + ("：" + "；".join(why) if why else "")
