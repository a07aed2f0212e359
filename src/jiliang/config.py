"""Reading settings from the environment; imported by settings.py before Django is configured."""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigurationError(ImproperlyConfigured):
    """A setting that stops the server from starting, with a message that says how to fix it."""


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name}={raw!r} is not a yes/no value (use 1/0, true/false).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def project_root() -> Path | None:
    """The source checkout this package runs from, when it is installed in editable mode."""
    candidate = Path(__file__).resolve().parents[2]
    return candidate if (candidate / "pyproject.toml").is_file() else None


def var_dir() -> Path:
    """Where the SQLite database, the generated keys and uploads live (never committed)."""
    configured = os.environ.get("JILIANG_VAR_DIR")
    root = project_root()
    path = Path(configured) if configured else (root or Path.cwd()) / "var"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_private_file(path: Path, content: str) -> None:
    """Create a file readable by its owner only (0600), failing if it already exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)


SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 10


def secret_key_weakness(key: str) -> str | None:
    """Why ``key`` is too weak to sign sessions and tokens in production, or None."""
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it has {len(key)} characters; at least {SECRET_KEY_MIN_LENGTH} are needed"
    if len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        return f"it uses {len(set(key))} distinct characters; at least {SECRET_KEY_MIN_DISTINCT} are needed"
    if key.startswith("django-insecure-"):
        return "it is a development key (django-insecure-...)"
    return None


def load_or_create_secret_key(path: Path) -> str:
    if not path.exists():
        try:
            write_private_file(path, secrets.token_urlsafe(50))
        except FileExistsError:
            pass  # another process created it first; read theirs
    return path.read_text(encoding="utf-8").strip()
