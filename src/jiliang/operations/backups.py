"""One encrypted file holds what an installation cannot lose: the database, the log's keys, the
secret key (sessions, tokens and every MQTT device secret derive from it), the environment file
and the uploads. A restore puts them back into a fresh database and proves the result: the
row counts of the backup and a log that verifies with the keys it was signed with.

Layout of the sealed tar (``jiliang.sealing``): ``manifest.json``; ``database.pgdump`` (PostgreSQL,
custom format) or ``database.sqlite3``; ``ledger/*``; ``secrets/secret_key`` and
``secrets/jiliang.env``; ``media/...``.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import connection, connections

import jiliang
from jiliang.config import DEFAULT_ENV_FILE
from jiliang.sealing import OpeningReader, SealingWriter

FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go on, with what to do about it."""


@dataclass(frozen=True)
class RestoreReport:
    counts: dict[str, int]
    log_size: int


def _tables() -> list[str]:
    return sorted(model._meta.db_table for model in apps.get_models()
                  if model._meta.app_label in _our_apps() and not model._meta.proxy and model._meta.managed)


def _our_apps() -> set[str]:
    return {config.label for config in apps.get_app_configs() if config.name.startswith("jiliang.")}


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _passphrase() -> str:
    passphrase = os.environ.get("JILIANG_BACKUP_PASSPHRASE", "")
    if not passphrase:
        raise BackupError("JILIANG_BACKUP_PASSPHRASE is not set: backups are encrypted with it "
                          "(keep a copy of it away from the server: without it no backup opens).")
    return passphrase


def _environment_file() -> Path | None:
    path = Path(os.environ.get("JILIANG_ENV_FILE") or DEFAULT_ENV_FILE)
    return path if path.is_file() else None


def _postgres_environment() -> dict[str, str]:
    database = settings.DATABASES["default"]
    values = {"PGHOST": database.get("HOST") or "", "PGPORT": str(database.get("PORT") or ""),
              "PGUSER": database.get("USER") or "", "PGPASSWORD": database.get("PASSWORD") or "",
              "PGDATABASE": database["NAME"]}
    return {**os.environ, **{name: value for name, value in values.items() if value}}


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_postgres_environment(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-800:]}")


def _count(cursor, tables: list[str]) -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _dump_database(work: Path) -> tuple[str, dict[str, int]]:
    """Dump the database and count its rows in one snapshot; returns the member name and counts."""
    tables = _tables()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                counts = _count(cursor, tables)
                _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                      f"--snapshot={snapshot}", f"--file={work / 'database.pgdump'}"])
            finally:
                cursor.execute("ROLLBACK")
        return "database.pgdump", counts
    copy = work / "database.sqlite3"
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    target = sqlite3.connect(copy)
    with target:
        source.backup(target)
    source.close()
    counts = {t: target.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    target.close()
    return "database.sqlite3", counts


def _published_size() -> int:
    from jiliang.ledger.selectors import published_checkpoint

    published = published_checkpoint()
    return published.checkpoint.size if published else 0


def create_backup(directory: Path) -> Path:
    """Write one encrypted backup file into ``directory`` (0600) and return its path."""
    passphrase = _passphrase()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(ZoneInfo(settings.TIME_ZONE)).strftime("%Y%m%dT%H%M%S%z")
    path = directory / f"jiliang-{stamp}.jlbackup"
    partial = path.with_suffix(".partial")
    with tempfile.TemporaryDirectory(prefix="jiliang-backup-") as work_dir:
        work = Path(work_dir)
        member, counts = _dump_database(work)
        manifest = {
            "format": FORMAT, "version": jiliang.__version__, "created": stamp, "database": member,
            "ledger_origin": settings.JILIANG_LEDGER_ORIGIN, "log_size": _published_size(),
            "secret_key_sha256": _fingerprint(settings.SECRET_KEY), "counts": counts,
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as raw:
            sealed = SealingWriter(raw, passphrase)
            with tarfile.open(fileobj=sealed, mode="w|") as archive:
                archive.add(work / "manifest.json", "manifest.json")
                archive.add(work / member, member)
                _add_secret(archive, "secrets/secret_key", settings.SECRET_KEY)
                if environment_file := _environment_file():
                    archive.add(environment_file, "secrets/jiliang.env")
                _add_tree(archive, Path(settings.JILIANG_LEDGER_KEY_DIR), "ledger")
                _add_tree(archive, Path(settings.MEDIA_ROOT), "media")
            sealed.close()
    partial.rename(path)
    return path


def _add_secret(archive: tarfile.TarFile, name: str, value: str) -> None:
    data = value.encode()
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    archive.addfile(info, fileobj=io.BytesIO(data))


def _add_tree(archive: tarfile.TarFile, root: Path, name: str) -> None:
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            archive.add(path, f"{name}/{path.relative_to(root).as_posix()}")


@contextmanager
def opened_backup(path: Path):
    """Unpack the backup into a private temporary directory and give its path."""
    with tempfile.TemporaryDirectory(prefix="jiliang-restore-") as work_dir, path.open("rb") as raw:
        with tarfile.open(fileobj=OpeningReader(raw, _passphrase()), mode="r|") as archive:
            archive.extractall(work_dir, filter="data")
        yield Path(work_dir)


def _read_manifest(work: Path) -> dict:
    manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not one this version restores")
    return manifest


def _check_secret_key(work: Path, manifest: dict, extract_secrets_to: Path | None) -> None:
    if _fingerprint(settings.SECRET_KEY) == manifest["secret_key_sha256"]:
        return
    if extract_secrets_to is None:
        raise BackupError(
            "this installation's JILIANG_SECRET_KEY is not the backup's: sessions, API tokens and every "
            "MQTT device secret derive from it. Run again with --extract-secrets DIR, install the backup's "
            "secret key (DIR/secret_key, DIR/jiliang.env) in the environment file, then restore."
        )
    extract_secrets_to.mkdir(mode=0o700, parents=True, exist_ok=True)
    for source in (work / "secrets").iterdir():
        target = extract_secrets_to / source.name
        shutil.copyfile(source, target)
        target.chmod(0o600)
    raise BackupError(f"the backup's secrets are in {extract_secrets_to}: install them, then restore again.")


def _restore_log_keys(work: Path, manifest: dict) -> None:
    """Put the backup's keys in place; keys already there must be the same, never replaced."""
    if settings.JILIANG_LEDGER_ORIGIN != manifest["ledger_origin"]:
        raise BackupError(f"JILIANG_LEDGER_ORIGIN is {settings.JILIANG_LEDGER_ORIGIN!r}, the backup's log is "
                          f"{manifest['ledger_origin']!r}: a log's origin never changes.")
    key_dir = Path(settings.JILIANG_LEDGER_KEY_DIR)
    backed_up = {p.name: p.read_bytes() for p in (work / "ledger").glob("*") if p.is_file()}
    if not any(name.endswith(".skey") for name in backed_up):
        raise BackupError("the backup holds no log keys: the log could not be verified or continued.")
    for name, content in backed_up.items():
        target = key_dir / name
        if target.exists() and name.endswith((".skey", ".vkeys")) and target.read_bytes() != content:
            raise BackupError(f"{target} differs from the backup's key: the restored log would not verify. "
                              "Move the key directory aside, then restore.")
    key_dir.mkdir(parents=True, exist_ok=True)
    for name, content in backed_up.items():
        target = key_dir / name
        if not target.exists():
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)


def _check_empty_database() -> None:
    if connection.introspection.table_names():
        raise BackupError("the target database is not empty: restore into a new, empty database "
                          "(createdb -O jiliang jiliang_restored), then point DATABASE_URL at it.")


def _restore_database(work: Path, manifest: dict) -> None:
    member = work / manifest["database"]
    if manifest["database"] == "database.pgdump":
        if connection.vendor != "postgresql":
            raise BackupError("this backup is of a PostgreSQL database: set DATABASE_URL to a PostgreSQL one.")
        connections.close_all()
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={settings.DATABASES['default']['NAME']}", str(member)])
        return
    if connection.vendor != "sqlite":
        raise BackupError("this backup is of an SQLite database: restore it without DATABASE_URL.")
    connections.close_all()
    target = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    source = sqlite3.connect(member)
    with target:
        source.backup(target)
    source.close()
    target.close()


def _restore_media(work: Path) -> None:
    source = work / "media"
    if source.is_dir():
        shutil.copytree(source, Path(settings.MEDIA_ROOT), dirs_exist_ok=True)


def _verify(manifest: dict) -> RestoreReport:
    from jiliang.ledger import auditor, selectors
    from jiliang.ledger.keys import log_keys

    with connection.cursor() as cursor:
        counts = _count(cursor, sorted(manifest["counts"]))
    wrong = {t: (n, counts[t]) for t, n in manifest["counts"].items() if counts[t] != n}
    if wrong:
        raise BackupError("row counts differ from the backup's: " + ", ".join(
            f"{t} {expected}→{found}" for t, (expected, found) in wrong.items()))
    report = auditor.audit_log(selectors.DatabaseLogSource(), settings.JILIANG_LEDGER_ORIGIN, log_keys().verifiers())
    if not report.ok or report.size < manifest["log_size"]:
        raise BackupError("the restored transparency log does not verify: " + "; ".join(report.problems[:3]))
    return RestoreReport(counts, report.size)


def restore_backup(path: Path, extract_secrets_to: Path | None = None) -> RestoreReport:
    """Restore ``path`` into this installation's empty database and key directory, then verify it."""
    with opened_backup(path) as work:
        manifest = _read_manifest(work)
        _check_secret_key(work, manifest, extract_secrets_to)
        _check_empty_database()
        _restore_log_keys(work, manifest)
        _restore_database(work, manifest)
        _restore_media(work)
    return _verify(manifest)
