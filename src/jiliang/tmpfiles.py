"""The folder of named temporary files (settings.JILIANG_TMP_DIR) and its sweep.

A temporary file that needs a name (Django's large uploads, an import's spooled upload) is
created there; its process removes it when done, but a process that is killed (kill -9, the OOM
killer, a worker timeout) cannot. The ``tmp.sweep`` job removes what is older than ``STALE_AFTER``
at the start of the jobs process and daily: no upload or import within a request runs that long,
and a background task (jobs.services) that has been running longer moves the cutoff back to its
start, so a file of a running import or export is never taken from under it. The same job removes
the folders of background tasks whose results have expired (``jobs.services.sweep_files``).
"""

import logging
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction

from jiliang.accounts import audit
from jiliang.jobs import services

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


def cutoff() -> float:
    """Files last modified before this (epoch seconds) are stale: older than ``STALE_AFTER`` and
    than the start of every running background task."""
    stale_before = time.time() - STALE_AFTER.total_seconds()
    running_since = services.oldest_running_start()
    return min(stale_before, running_since.timestamp()) if running_since else stale_before


def sweep() -> list[str]:
    """One round of the ``tmp.sweep`` job; one audit event when it removed anything."""
    directory = tmp_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    removed = remove_stale(directory, cutoff())
    task_folders = services.sweep_files()
    if removed or task_folders:
        logger.info("removed %d stale temporary file(s) from %s and %d expired task folder(s)",
                    len(removed), directory, len(task_folders))
        with transaction.atomic():
            audit.record("tmp-sweep", "tmp.sweep", object_type="jiliang.TmpDir", object_id="",
                         object_repr="temporary files sweep",
                         after={"directory": str(directory), "removed": removed, "task_folders": task_folders})
    return removed
