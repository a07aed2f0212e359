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


DEFAULT_ENV_FILE = "/etc/jiliang/jiliang.env"


def parse_env_file(text: str) -> dict[str, str]:
    """``KEY=value`` lines of a systemd EnvironmentFile: blank lines and ``#`` comments skipped,
    one pair of surrounding quotes removed. Pure, so cron, systemd and the shell read one file alike."""
    values = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        name = name.strip()
        if not equals or not name.isidentifier():
            raise ConfigurationError(f"line {number}: expected NAME=value, not {line!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


def load_env_file(environ=os.environ) -> Path | None:
    """Read the installation's environment file into ``environ`` (what is already set wins).

    Every entry point calls this before the settings load, so a command run by cron or by hand
    without the service's environment still runs in production, never in a development mode with
    its own database. ``JILIANG_ENV_FILE`` names the file (default /etc/jiliang/jiliang.env); an
    absent default file means a development checkout.
    """
    path = Path(environ.get("JILIANG_ENV_FILE") or DEFAULT_ENV_FILE)
    if not path.is_file():
        if environ.get("JILIANG_ENV_FILE"):
            raise ConfigurationError(f"JILIANG_ENV_FILE={path} does not exist or is not a file.")
        return None
    try:
        values = parse_env_file(path.read_text(encoding="utf-8"))
    except PermissionError:
        raise ConfigurationError(
            f"{path} is not readable by this user: run the command as the service user "
            "(sudo -u jiliang ...)."
        ) from None
    except ConfigurationError as error:
        raise ConfigurationError(f"{path}: {error}") from None
    for name, value in values.items():
        environ.setdefault(name, value)
    return path
