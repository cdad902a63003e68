"""Where the registry's URL and token come from: argument > environment > config file > default.

The config file is shared with the Node CLI (``mreg login`` writes it): ``$XDG_CONFIG_HOME/mreg/config.json``
when XDG_CONFIG_HOME is set, else ``~/.config/mreg/config.json``; JSON ``{"url": ..., "token": ...}``
(both optional), mode 0600 in a 0700 directory.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

DEFAULT_URL = "http://127.0.0.1:8080"


class ConfigError(ValueError):
    """The config file exists but cannot be used (not JSON, not an object, a value not a string)."""


def config_path() -> Path:
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else Path.home() / ".config"
    return base / "mreg" / "config.json"


def cache_dir() -> Path:
    """Hashes and resumable-push state; MREG_CACHE_DIR as the Node CLI, else the XDG cache directory."""
    explicit = os.environ.get("MREG_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "mreg"


def read_config(path: Optional[Path] = None) -> Dict[str, Any]:
    """The config file's object, or ``{}`` when there is none."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise ConfigError(f"{path}: {e.strerror}") from e
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError as e:
        raise ConfigError(f"{path}: not valid JSON ({e})") from e
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must hold a JSON object")
    for key in ("url", "token"):
        if key in data and data[key] is not None and not isinstance(data[key], str):
            raise ConfigError(f"{path}: {key!r} must be a string")
    return data


def write_config(values: Dict[str, Optional[str]], path: Optional[Path] = None) -> Path:
    """Merges ``values`` into the config file (a ``None`` removes the key), written 0600 in a 0700 directory."""
    path = path or config_path()
    data = read_config(path)
    for key, value in values.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    # Written beside the target and renamed over it: a reader never sees half a file, and the
    # token is never readable by others, not even for a moment.
    fd, temp = tempfile.mkstemp(prefix=".config.", dir=str(path.parent))
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2)
            out.write("\n")
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    return path


@dataclass(frozen=True)
class Settings:
    """The URL and token in force, and where each came from (for ``mreg config show`` and error messages)."""

    url: str
    url_source: str
    token: Optional[str]
    token_source: str
    config_file: Path


def resolve(url: Optional[str] = None, token: Optional[str] = None) -> Settings:
    """Applies the precedence; the config file is read only when an argument or variable leaves a value open."""
    path = config_path()
    file: Optional[Dict[str, Any]] = None

    def from_file(key: str) -> Optional[str]:
        nonlocal file
        if file is None:
            file = read_config(path)
        value = file.get(key)
        return value or None

    def pick(given: Optional[str], env: str, key: str, default: Optional[str]) -> Tuple[Optional[str], str]:
        if given:
            return given, "argument"
        if os.environ.get(env):
            return os.environ[env], env
        value = from_file(key)
        if value:
            return value, str(path)
        return default, "default"

    chosen_url, url_source = pick(url, "MREG_URL", "url", DEFAULT_URL)
    chosen_token, token_source = pick(token, "MREG_TOKEN", "token", None)
    return Settings(
        url=(chosen_url or DEFAULT_URL).rstrip("/"),
        url_source=url_source,
        token=chosen_token,
        token_source=token_source if chosen_token else "none",
        config_file=path,
    )


def mask(token: Optional[str]) -> str:
    """A token as it may be shown: its last four characters at most."""
    if not token:
        return "(none)"
    return "****" + token[-4:] if len(token) > 8 else "****"
