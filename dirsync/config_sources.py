"""Configuration: a TOML file, overridden by DIRSYNC_<SECTION>__<KEY> environment variables.

Any other DIRSYNC_ variable (but DIRSYNC_CONFIG, DIRSYNC_NOW, DIRSYNC_RATE_LIMIT_SCALE and the
test campaign's DIRSYNC_RELIABILITY_*) is an error naming it: a misspelt override must not pass
unnoticed.

Secrets (the Bitwarden client secret, the LDAP bind password) come from, in order: the
value itself, a ``*_file`` key, or a systemd credential of the same name in
``$CREDENTIALS_DIRECTORY``. They are ``SecretStr`` so they never print.
"""

from __future__ import annotations

import difflib
import logging
import os
import stat
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_settings import SettingsError

from dirsync.config import ENV_NESTED_DELIMITER, ENV_PREFIX, ConfigError, Settings
from dirsync.logs import register_secret

DEFAULT_CONFIG_PATH = Path("/etc/dirsync/dirsync.toml")
OTHER_ENV_NAMES = frozenset({"DIRSYNC_CONFIG", "DIRSYNC_NOW", "DIRSYNC_RATE_LIMIT_SCALE"})
"""Variables dirsync reads that are not configuration keys (the file; the clock; the client's
side of the emulator's --time-scale)."""
OTHER_ENV_PREFIXES = ("DIRSYNC_RELIABILITY_",)
"""The reliability campaign's options (tests/reliability/conftest.py); its runs inherit them."""

log = logging.getLogger(__name__)


def _strip_empty(value: Any) -> Any:
    """TOML has no null: an empty string for an optional path or secret means 'unset'."""
    if isinstance(value, dict):
        return {k: _strip_empty(v) for k, v in value.items() if v != ""}
    if isinstance(value, list):
        return [_strip_empty(v) for v in value]
    return value


def _env_name(loc: tuple[int | str, ...]) -> str:
    return ENV_PREFIX + ENV_NESTED_DELIMITER.join(str(p) for p in loc).upper()


def _describe(error: Mapping[str, Any], path: Path | None, env: Mapping[str, str]) -> str:
    loc = tuple(p for p in error["loc"] if p != "__root__")
    key = ".".join(str(p) for p in loc) or "(top level)"
    str_loc = tuple(p for p in loc if isinstance(p, str))
    env_var = _env_name(str_loc) if str_loc else ""
    if env_var and env_var in {k.upper() for k in env}:
        where = f"environment variable {env_var}"
    elif path is not None:
        where = f"file {path}"
    else:
        where = "defaults"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{key}: {message} (from {where})"


def load_settings(path: Path | None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file at *path* (None: environment only) and apply the environment."""
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    if path is not None:
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigError(
                f"configuration file {path} does not exist (use --config or DIRSYNC_CONFIG)"
            ) from None
        except PermissionError:
            raise ConfigError(f"configuration file {path} is not readable") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from None
        except IsADirectoryError:
            raise ConfigError(f"configuration path {path} is a directory, not a file") from None
    _refuse_unknown_variables(env)
    try:
        return Settings(**_strip_empty(data))
    except ValidationError as exc:
        lines = [_describe(err, path, env) for err in exc.errors()]
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None
    except SettingsError as exc:
        raise ConfigError(_describe_env_parse_error(exc, env)) from None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models a field holds directly or as an optional (not inside a list)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) in (Union, UnionType):
        return [model for arg in get_args(annotation) for model in _models_in(arg)]
    return []


def _env_names(model: type[BaseModel], prefix: str = ENV_PREFIX) -> Iterator[str]:
    """Every variable that sets a key: a section as JSON, or any key below it."""
    for name, field in model.model_fields.items():
        variable = prefix + name.upper()
        yield variable
        for section in _models_in(field.annotation):
            yield from _env_names(section, variable + ENV_NESTED_DELIMITER)


def _refuse_unknown_variables(env: Mapping[str, str]) -> None:
    """A DIRSYNC_ variable that sets no key is a mistake the operator must hear about."""
    known = sorted(_env_names(Settings))
    problems: list[str] = []
    for name in sorted(env):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in known or upper in OTHER_ENV_NAMES:
            continue
        if upper.startswith(OTHER_ENV_PREFIXES):
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=0.8)
        hint = (
            f"did you mean {close[0]}?"
            if close
            else "names are DIRSYNC_<SECTION>__<KEY>, two underscores between levels"
        )
        problems.append(f"environment variable {name}: no such configuration key ({hint})")
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))


def _describe_env_parse_error(exc: SettingsError, env: Mapping[str, str]) -> str:
    """pydantic-settings names only the section; name the variables that can be at fault."""
    section = str(exc).split('"')[1] if str(exc).count('"') >= 2 else ""
    prefix = f"{ENV_PREFIX}{section}{ENV_NESTED_DELIMITER}".upper()
    suspects = sorted(name for name in env if name.upper().startswith(prefix)) or [prefix + "*"]
    return (
        f"invalid configuration: cannot parse {', '.join(suspects)} (from the environment): "
        "a list or table value must be written as JSON, e.g. '[\"Engineering\"]'"
    )


def resolve_config_path(option: str | None, env: Mapping[str, str] | None = None) -> Path:
    """The --config option, else $DIRSYNC_CONFIG, else /etc/dirsync/dirsync.toml."""
    env = os.environ if env is None else env
    if option:
        return Path(option)
    if env.get("DIRSYNC_CONFIG"):
        return Path(env["DIRSYNC_CONFIG"])
    return DEFAULT_CONFIG_PATH


def read_secret(
    name: str,
    value: SecretStr | None,
    file: Path | None,
    env: Mapping[str, str] | None = None,
) -> SecretStr:
    """A secret from its value, its *_file key, or the systemd credential called *name*."""
    env = os.environ if env is None else env
    if value is not None and value.get_secret_value():
        register_secret(value.get_secret_value())
        return value
    candidates: list[tuple[Path, str]] = []
    if file is not None:
        candidates.append((file, f"{name}_file"))
    elif env.get("CREDENTIALS_DIRECTORY"):
        candidates.append((Path(env["CREDENTIALS_DIRECTORY"]) / name, "systemd credential"))
    for candidate, origin in candidates:
        try:
            mode = candidate.stat().st_mode
            text = candidate.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}: cannot read {origin} {candidate}: {exc.strerror}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO) and origin != "systemd credential":
            log.warning("secret file %s is readable by group or others; chmod 600 it", candidate)
        if not text:
            raise ConfigError(f"{name}: {origin} {candidate} is empty")
        register_secret(text)
        return SecretStr(text)
    raise ConfigError(f"{name} is not set: give {name}, {name}_file, or a systemd credential")
