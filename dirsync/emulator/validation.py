"""Request parsing with ASP.NET-style model-state errors (contract §0 "Model-state failures").

Keys are C# property paths (`Email`, `Members[0].Email`); JSON conversion errors use `$.path`
keys. Property names are matched case-insensitively, as System.Text.Json's Web defaults do.

Email rules:
- `strict_email_ok` approximates `[StrictEmailAddress]`: the whole value must be a bare
  address (no display name, angle brackets, spaces, commas, semicolons or quotes, as MimeKit's
  parse must give back the input), exactly one `@`, an ASCII dot-atom local part (no leading,
  trailing or doubled dots), and a domain of non-empty dot-separated labels with at least one
  dot whose last label is letters only (the server's regex `^[\\x00-\\x7F]+@.+\\.\\p{L}+$`).
- `loose_email_ok` is .NET's `[EmailAddress]`: exactly one `@`, neither first nor last, and no
  CR or LF.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from starlette.requests import Request

from dirsync.emulator.errors import ApiError, model_state

_ATEXT = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$")
_FORBIDDEN = re.compile(r"[\s<>(),;:\"\[\]\\]")


def strict_email_ok(value: str) -> bool:
    if _FORBIDDEN.search(value) or value.count("@") != 1:
        return False
    local, domain = value.split("@")
    if not local or not domain or not local.isascii():
        return False
    if not all(_ATEXT.match(part) for part in local.split(".")):
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels):
        return False
    return labels[-1].isalpha()


def loose_email_ok(value: str) -> bool:
    if "\r" in value or "\n" in value or value.count("@") != 1:
        return False
    return not value.startswith("@") and not value.endswith("@")


def parse_guid(value: str) -> str | None:
    """A GUID in any form .NET's Guid.TryParse takes, as a lowercase hyphenated string."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


def route_guid(value: str, name: str = "id") -> str:
    """A `{id}` route value; a bad one is a model-binding failure (400)."""
    parsed = parse_guid(value)
    if parsed is None:
        raise model_state({name: [f"The value '{value}' is not valid."]})
    return parsed


async def read_json(request: Request) -> Any:
    """The body of a `[FromBody]` parameter, or the 400/415 ASP.NET gives instead."""
    raw = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if raw and not (content_type == "application/json" or content_type.endswith("+json")):
        raise ApiError(415)
    if not raw.strip():
        raise model_state({"": ["Body is empty."]})
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise model_state(
            {"$": ["The input is not valid JSON. Path: $ | LineNumber: 0."]}
        ) from None


def _json_error(path: str, target: str) -> str:
    return f"The JSON value could not be converted to {target}. Path: {path}"


class Reader:
    """One JSON object of a request body; collects errors into a shared dict."""

    def __init__(
        self,
        data: dict[str, Any],
        errors: dict[str, list[str]],
        cs_prefix: str = "",
        json_prefix: str = "$",
    ) -> None:
        self._data = {key.lower(): value for key, value in data.items()}
        self.errors = errors
        self.cs_prefix = cs_prefix
        self.json_prefix = json_prefix

    @classmethod
    def root(cls, body: Any, type_name: str) -> Reader:
        """The top-level object, or a 400 when the body is not a JSON object."""
        if not isinstance(body, dict):
            raise model_state({"$": [_json_error("$", type_name)]})
        return cls(body, {})

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise model_state(self.errors)

    def has(self, name: str) -> bool:
        return name.lower() in self._data

    def get(self, name: str) -> Any:
        return self._data.get(name.lower())

    def add(self, cs_name: str, message: str) -> None:
        self.errors.setdefault(self.cs_prefix + cs_name, []).append(message)

    def json_fail(self, name: str, target: str) -> None:
        path = f"{self.json_prefix}.{name}"
        self.errors.setdefault(path, []).append(_json_error(path, target))

    def string(
        self,
        name: str,
        *,
        required: bool = False,
        max_len: int | None = None,
        permissive: bool = False,
    ) -> str | None:
        cs_name = name[0].upper() + name[1:]
        raw = self.get(name)
        if isinstance(raw, bool) and permissive:
            raw = "true" if raw else "false"
        elif isinstance(raw, int | float) and not isinstance(raw, bool) and permissive:
            raw = json.dumps(raw)
        if raw is not None and not isinstance(raw, str):
            self.json_fail(name, "System.String")
            return None
        value: str | None = raw
        if required and not value:
            self.add(cs_name, f"The {cs_name} field is required.")
            return None
        if value is not None and max_len is not None and len(value) > max_len:
            self.add(
                cs_name, f"The field {cs_name} must be a string with a maximum length of {max_len}."
            )
        return value

    def boolean(self, name: str, *, required: bool = False) -> bool | None:
        cs_name = name[0].upper() + name[1:]
        value = self.get(name)
        if value is None:
            if required:
                self.add(cs_name, f"The {cs_name} field is required.")
            return None
        if not isinstance(value, bool):
            self.json_fail(name, "System.Boolean")
            return None
        return value

    def enum_int(
        self, name: str, allowed: frozenset[int], type_name: str, *, required_member: str = ""
    ) -> int | None:
        """An integer enum; strings are rejected and undefined values fail [EnumDataType]."""
        cs_name = name[0].upper() + name[1:]
        if not self.has(name) and required_member:
            self.errors.setdefault(self.json_prefix, []).append(
                f"JSON deserialization for type '{required_member}' was missing required "
                f"properties, including the following: {name}"
            )
            return None
        value = self.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            self.json_fail(name, type_name)
            return None
        if value not in allowed:
            self.add(cs_name, f"The field {cs_name} is invalid.")
            return None
        return value

    def guid_list(self, name: str) -> list[str] | None:
        value = self.get(name)
        if value is None:
            return None
        if not isinstance(value, list):
            self.json_fail(name, "System.Collections.Generic.IEnumerable`1[System.Guid]")
            return None
        result: list[str] = []
        for index, item in enumerate(value):
            parsed = parse_guid(item) if isinstance(item, str) else None
            if parsed is None:
                self.json_fail(f"{name}[{index}]", "System.Guid")
                continue
            result.append(parsed)
        return result

    def string_list(self, name: str) -> list[str] | None:
        value = self.get(name)
        if value is None:
            return None
        if not isinstance(value, list):
            self.json_fail(name, "System.Collections.Generic.IEnumerable`1[System.String]")
            return None
        result: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, bool):
                item = "true" if item else "false"
            elif isinstance(item, int | float):
                item = json.dumps(item)
            if not isinstance(item, str):
                self.json_fail(f"{name}[{index}]", "System.String")
                continue
            result.append(item)
        return result

    def objects(self, name: str, type_name: str) -> list[Reader] | None:
        """A list of nested objects, each with its own error prefix."""
        value = self.get(name)
        if value is None:
            return None
        cs_name = name[0].upper() + name[1:]
        if not isinstance(value, list):
            self.json_fail(name, type_name)
            return None
        readers: list[Reader] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.json_fail(f"{name}[{index}]", type_name)
                continue
            readers.append(
                Reader(
                    item,
                    self.errors,
                    f"{self.cs_prefix}{cs_name}[{index}].",
                    f"{self.json_prefix}.{name}[{index}]",
                )
            )
        return readers

    def child(self, name: str, type_name: str) -> Reader | None:
        value = self.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.json_fail(name, type_name)
            return None
        cs_name = name[0].upper() + name[1:]
        return Reader(
            value, self.errors, f"{self.cs_prefix}{cs_name}.", f"{self.json_prefix}.{name}"
        )
