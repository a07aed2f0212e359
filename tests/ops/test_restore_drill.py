"""The restore drill: back up an installation with the real commands, restore it into a new, empty
database and key directory, and check the rows and the transparency log; refuse the restores
that would lose the log or the device secrets. On the backend the suite runs on (a PostgreSQL
database of its own when DATABASE_URL=postgres..., else an SQLite file)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest

JILIANG = Path(sys.executable).parent / "jiliang"
ORIGIN = "jiliang.drill.gov.cn/log"
PASSPHRASE = "drill passphrase, kept offline"
SECRET = "Wq8-ZpL3vNc_T7yRk2Hd9XfJmB4sGa6Ue1Qo5Yi0Cw-Ex" * 2

WRITE_SCRIPT = """
import django
django.setup()
from django.db import transaction
from jiliang.ledger import services
with transaction.atomic():
    for number in range(250):
        services.append("drill.test", {"id": number})
"""


class Databases:
    """Throw-away database URLs of the suite's backend, dropped at the end."""

    def __init__(self, directory: Path):
        self.url, self.directory, self.made = os.environ.get("DATABASE_URL", ""), directory, []

    def make(self, label: str) -> str:
        if not self.url.startswith("postgres"):
            return f"sqlite:///{self.directory / label}-{uuid.uuid4().hex[:6]}.sqlite3"
        name = f"jiliang_drill_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        self.made.append(name)
        return urlunparse(urlparse(self.url)._replace(path=f"/{name}"))

    def drop(self) -> None:
        for name in self.made:
            with psycopg.connect(self.url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


# One pytest-xdist worker runs the whole module (`make test` runs --dist loadgroup), so the backup
# below is made once, not once per worker.
pytestmark = pytest.mark.xdist_group("restore-drill")


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    made = Databases(tmp_path_factory.mktemp("databases"))
    yield made
    made.drop()


@pytest.fixture
def new_database(databases):
    return databases.make


def installation(tmp_path, label, database_url, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JILIANG_") and k != "DATABASE_URL"}
    return {**env, "JILIANG_ENV_FILE": "", "DATABASE_URL": database_url, "JILIANG_VAR_DIR": str(tmp_path / label),
            "JILIANG_SECRET_KEY": SECRET, "JILIANG_LEDGER_ORIGIN": ORIGIN, "JILIANG_BACKUP_PASSPHRASE": PASSPHRASE,
            "JILIANG_LOG_LEVEL": "WARNING", **extra}


def jiliang(env, *args, check=True, stdin=None) -> subprocess.CompletedProcess:
    result = subprocess.run([str(JILIANG), *args], env=env, capture_output=True, text=True, input=stdin, timeout=600)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def backup(tmp_path_factory, databases):
    """An installation with users, log entries and an upload, and its backup file (made once)."""
    tmp_path = tmp_path_factory.mktemp("installation")
    env = installation(tmp_path, "original", databases.make("original"))
    jiliang(env, "migrate", "-v0")
    jiliang(env, "init", "--origin", ORIGIN)
    jiliang(env, "createuser", "city-admin", "--role", "city_regulator", "--division", "511900",
            "--administrator", "--password-stdin", stdin="Bazhong-Admin-2026\n")
    subprocess.run([sys.executable, "-c", WRITE_SCRIPT], env=env, check=True)
    jiliang(env, "log", "sequence", "--once")
    upload = tmp_path / "original" / "media" / "imports" / "instruments.csv"
    upload.parent.mkdir(parents=True)
    upload.write_text("public_code\n", encoding="utf-8")
    out = jiliang(env, "backup", "--output-dir", str(tmp_path / "backups")).stdout
    [path] = (tmp_path / "backups").glob("*.jlbackup")
    assert str(path) in out and path.stat().st_mode & 0o777 == 0o600
    assert b"city-admin" not in path.read_bytes() and SECRET.encode() not in path.read_bytes()
    return path


def test_a_backup_restores_into_a_new_database_and_the_log_verifies(tmp_path, backup, new_database):
    env = installation(tmp_path, "restored", new_database("restored"))
    result = jiliang(env, "restore", str(backup))
    assert "the transparency log verifies (250 entries)" in result.stdout
    assert jiliang(env, "log", "verify").stdout.startswith("OK: 250 entries")
    keys = {p.name for p in (tmp_path / "restored" / "ledger").iterdir()}
    assert {"log-ed25519.skey", "log-mldsa44.skey", "log.vkeys"} <= keys
    assert (tmp_path / "restored" / "media" / "imports" / "instruments.csv").is_file()
    users = jiliang(env, "shell", "-v0", "-c",
                    "from jiliang.accounts.models import User; print(User.objects.get(username='city-admin').is_superuser)")
    assert users.stdout.strip() == "True"
    again = jiliang(env, "restore", str(backup), check=False)
    assert again.returncode != 0 and "not empty" in again.stderr


def test_a_restore_with_another_secret_key_stops_and_hands_over_the_backups(tmp_path, backup, new_database):
    other = "Zz9-QpL3vNc_T7yRk2Hd9XfJmB4sGa6Ue1Qo5Yi0Cw-Ex" * 2
    env = installation(tmp_path, "restored", new_database("restored"), JILIANG_SECRET_KEY=other)
    refused = jiliang(env, "restore", str(backup), check=False)
    assert refused.returncode != 0 and "MQTT device secret" in refused.stderr
    secrets_dir = tmp_path / "secrets"
    jiliang(env, "restore", str(backup), "--extract-secrets", str(secrets_dir), check=False)
    assert (secrets_dir / "secret_key").read_text() == SECRET
    assert (secrets_dir / "secret_key").stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "restored" / "ledger").exists()


def test_a_restore_refuses_to_replace_other_log_keys(tmp_path, backup, new_database):
    env = installation(tmp_path, "restored", new_database("restored"))
    jiliang(env, "init", "--origin", ORIGIN)  # someone made new keys before restoring
    refused = jiliang(env, "restore", str(backup), check=False)
    assert refused.returncode != 0 and "differs from the backup's key" in refused.stderr


def test_a_wrong_passphrase_restores_nothing(tmp_path, backup, new_database):
    env = installation(tmp_path, "restored", new_database("restored"),
                       JILIANG_BACKUP_PASSPHRASE="not the drill passphrase")
    refused = jiliang(env, "restore", str(backup), check=False)
    assert refused.returncode != 0 and "wrong passphrase" in refused.stderr
    assert not (tmp_path / "restored" / "ledger").exists()
