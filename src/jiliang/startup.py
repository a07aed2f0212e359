"""Checks a web server runs before it answers requests (wsgi.py)."""

from pathlib import Path

from django.conf import settings

from jiliang.config import ConfigurationError

MANIFEST_NAME = "staticfiles.json"


def check_web_server() -> None:
    """Production serves hashed static files from a manifest that `collectstatic` writes; without
    it every page that names a stylesheet fails, so the server does not start."""
    if not settings.PRODUCTION:
        return
    manifest = Path(settings.STATIC_ROOT) / MANIFEST_NAME
    if not manifest.is_file():
        raise ConfigurationError(
            f"{manifest} is missing: the static files were not collected. Run "
            "`jiliang collectstatic --noinput` (`jiliang upgrade` does it) and start again."
        )
