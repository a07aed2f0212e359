"""`jiliang upgrade` migrates, collects static files and says whether the installation is ready."""

import io

import pytest
from django.core.management import CommandError, call_command

import jiliang


@pytest.mark.django_db
def test_upgrade_collects_the_static_manifest_and_reports_ready(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    out = io.StringIO()
    call_command("upgrade", stdout=out, verbosity=0)
    assert (tmp_path / "static" / "staticfiles.json").is_file()
    assert f"ready: jiliang {jiliang.__version__}" in out.getvalue()


@pytest.mark.django_db
def test_upgrade_says_what_is_not_ready(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.JILIANG_LEDGER_KEY_DIR = tmp_path / "no-keys"
    out = io.StringIO()
    with pytest.raises(CommandError, match="not ready"):
        call_command("upgrade", stdout=out, verbosity=0)
    assert "log_keys:" in out.getvalue() and "jiliang init" in out.getvalue()
