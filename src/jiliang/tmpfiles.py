"""The folder of named temporary files (settings.JILIANG_TMP_DIR) and its sweep.

A temporary file that needs a name (Django's large uploads, an import's spooled upload) is
created there; its process removes it when done, but a process that is killed (kill -9, the OOM
killer, a worker timeout) cannot. The ``tmp.sweep`` job removes what is older than ``STALE_AFTER``
at the start of the jobs process and daily: no upload or import runs that long, so a fresh file of
a running import is never taken from under it.
"""

import logging
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction

from jiliang.accounts import audit

STALE_AFTER = timedelta(hours=6)
logger = logging.getLogger("jiliang.tmpfiles")


def tmp_dir() -> Path:
    return Path(settings.JILIANG_TMP_DIR)


def remove_stale(directory: Path, older_than: float) -> list[str]:
    """Remove the files directly in ``directory`` last modified before ``older_than`` (epoch
    seconds); return their names. A file removed meanwhile by its own process is skipped."""
    removed = []
    for path in directory.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < older_than:
                path.unlink()
                removed.append(path.name)
        except FileNotFoundError:
            continue
    return sorted(removed)


def sweep() -> list[str]:
    """One round of the ``tmp.sweep`` job; one audit event when it removed anything."""
    directory = tmp_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    removed = remove_stale(directory, time.time() - STALE_AFTER.total_seconds())
    if removed:
        logger.info("removed %d stale temporary file(s) from %s", len(removed), directory)
        with transaction.atomic():
            audit.record("tmp-sweep", "tmp.sweep", object_type="jiliang.TmpDir", object_id="",
                         object_repr="temporary files sweep",
                         after={"directory": str(directory), "removed": removed})
    return removed
