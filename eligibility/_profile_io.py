"""Reading profiles from files and dicts, with errors that name the field."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import Problem, ProfileError
from ._fields import fields_of, profile_fields
from ._input_limits import LimitError, load_json, load_yaml, quote, read_file_capped
from .profile import EnterpriseProfile

_MESSAGES_ZH = {
    "missing": "必填",
    "extra_forbidden": "不是画像中的字段（拼写错误？）",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数（单位：元）",
    "decimal_parsing": "应为数字",
    "decimal_max_places": "小数位数过多",
    "bool_parsing": "应为 true 或 false",
    "date_from_datetime_parsing": "应为日期 YYYY-MM-DD",
    "date_parsing": "应为日期 YYYY-MM-DD",
    "enum": "取值应为 {expected} 之一",
    "string_too_short": "不能为空",
    "list_type": "应为列表",
    "model_type": "应为对象（映射）",
    "dict_type": "应为对象（映射）",
}


def _field_path(loc: tuple[Any, ...], data: Any) -> str:
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            year = node[part].get("year") if isinstance(node, list) and part < len(node) and isinstance(node[part], dict) else None
            out += f"[{year}]" if isinstance(year, int) else f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    """`` — did you mean 'founder.is_returnee'?`` for an unknown field, from its siblings' names."""
    parent = ".".join(str(p) for p in loc[:-1] if not isinstance(p, int))  # an int: an item of financials
    model = EnterpriseProfile if not parent else getattr(profile_fields().get(parent), "model", None)
    if model is None:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), [f.name for f in fields_of(model)], n=3, cutoff=0.6)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def problems_of(exc: ValidationError, data: Any, source: str = "") -> list[Problem]:
    """One Problem per validation error, naming the field (``financials[2024].rd_expense``)."""
    out = []
    for err in exc.errors():
        field = _field_path(tuple(err["loc"]), data)
        zh = _MESSAGES_ZH.get(err["type"])
        ctx = err.get("ctx") or {}
        message = err["msg"].removeprefix("Value error, ")
        if zh and err["type"] != "value_error":
            try:
                zh = zh.format(**ctx)
            except (KeyError, IndexError):
                pass
            message = f"{zh} ({message})"
        if err["type"] == "extra_forbidden":
            message += _did_you_mean(tuple(err["loc"]))
        if "input" in err and err["type"] not in ("missing", "model_type") and not isinstance(err["input"], dict | list):
            message += f"; got {quote(err['input'])}"
        location = f"{source}: {field}" if source and field else source or field
        out.append(Problem(message, location, code=err["type"]))
    return out


def parse_profile(data: Any, source: str = "") -> EnterpriseProfile:
    """Validate a dict as a profile; raise :class:`ProfileError` naming each bad field."""
    if not isinstance(data, dict):
        raise ProfileError(f"企业画像应为 JSON 对象 (a profile must be a JSON object){' in ' + source if source else ''}")
    try:
        return EnterpriseProfile.model_validate(data)
    except ValidationError as exc:
        problems = problems_of(exc, data, source)
        raise ProfileError(f"企业画像有 {len(problems)} 处错误 (the profile has {len(problems)} error(s))", problems) from None


def read_data(text: str, source: str) -> Any:
    """Parse JSON or YAML text (YAML is a superset; JSON errors keep their line), within
    :mod:`eligibility._input_limits` (numbers, text, nesting; no YAML aliases)."""
    stripped = text.lstrip()
    try:
        if stripped.startswith("{") or stripped.startswith("["):
            try:
                return load_json(text)
            except json.JSONDecodeError as exc:
                raise ProfileError(
                    f"JSON 格式错误 (invalid JSON) in {source}, line {exc.lineno} column {exc.colno}: {exc.msg}"
                ) from None
        return load_yaml(text)
    except LimitError as exc:
        where = f", line {exc.line}" if exc.line else ""
        raise ProfileError(f"超出限制 (beyond a limit) in {source}{where}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise ProfileError(f"YAML 格式错误 (invalid YAML) in {source}{where}: {getattr(exc, 'problem', exc)}") from None


def load_profile(path: str | Path) -> EnterpriseProfile:
    """Read a profile from a JSON or YAML file; :class:`ProfileError` if unreadable or invalid."""
    return parse_profile(load_data(path), str(path))


def load_data(path: str | Path) -> Any:
    """The parsed JSON or YAML content of a profile file, not yet validated."""
    p = Path(path)
    try:
        text = read_file_capped(p).decode("utf-8-sig")
    except LimitError as exc:
        raise ProfileError(f"{exc}: {p}") from None
    except FileNotFoundError:
        raise ProfileError(f"文件不存在 (file not found): {p}") from None
    except IsADirectoryError:
        raise ProfileError(f"这是一个目录，不是文件 (is a directory): {p}") from None
    except UnicodeDecodeError:
        raise ProfileError(f"文件不是 UTF-8 编码 (not UTF-8 text): {p}") from None
    except PermissionError:
        raise ProfileError(f"没有读取权限 (permission denied): {p}") from None
    return read_data(text, str(p))
