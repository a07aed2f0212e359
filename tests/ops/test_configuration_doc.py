"""docs/configuration.md names every environment variable the code reads, and deploy/'s
environment file uses only documented ones. After merging branches that add settings, a failure
here lists exactly the variables to document."""

import re
from pathlib import Path

from jiliang.config import parse_env_file

ROOT = Path(__file__).resolve().parents[2]
READ = re.compile(r"""(?:environ(?:\.get)?|env_bool|env_int|env_list|getenv)\s*[\(\[]\s*["']([A-Z][A-Z0-9_]+)["']""")
DOCUMENTED = re.compile(r"`([A-Z][A-Z0-9_]+)`")
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE"}  # set by the `jiliang` command itself


def variables_read() -> set[str]:
    names = set()
    for path in (ROOT / "src" / "jiliang").rglob("*.py"):
        names.update(READ.findall(path.read_text(encoding="utf-8")))
    return names - NOT_SETTINGS


def variables_documented() -> set[str]:
    return set(DOCUMENTED.findall((ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")))


def test_every_variable_the_code_reads_is_documented():
    missing = sorted(variables_read() - variables_documented())
    assert not missing, "document these in docs/configuration.md: " + ", ".join(missing)


def test_the_scan_finds_the_settings_it_should():
    assert {"JILIANG_SECRET_KEY", "DATABASE_URL", "JILIANG_PAGE_SIZE", "JILIANG_ENV_FILE",
            "JILIANG_BACKUP_PASSPHRASE"} <= variables_read()


def test_the_deploy_environment_file_uses_documented_variables_only():
    example = parse_env_file((ROOT / "deploy" / "jiliang.env.example").read_text(encoding="utf-8"))
    unknown = sorted(set(example) - variables_documented())
    assert not unknown, "unknown variables in deploy/jiliang.env.example: " + ", ".join(unknown)
