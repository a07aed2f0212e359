"""Running one job: one log line per run with its start, end and outcome. A failing run is logged
with its traceback and reported as failed; it never escapes, so the scheduler and the other jobs
go on. Each run starts and ends with the thread's database connection checked (a run that broke it
does not leave it to the next)."""

from __future__ import annotations

import logging
import time

from django.db import close_old_connections
from django.utils import timezone

from .registry import Job

logger = logging.getLogger("jiliang.jobs")


def run(job: Job) -> bool:
    """Run ``job`` once; return whether it succeeded."""
    started, clock = timezone.now(), time.monotonic()
    close_old_connections()
    try:
        job.function()()
    except Exception:
        logger.exception("job %s failed: started %s, ended %s (%.2f s)", job.name, started.isoformat(),
                         timezone.now().isoformat(), time.monotonic() - clock)
        return False
    finally:
        close_old_connections()
    logger.log(logging.DEBUG if job.frequent else logging.INFO, "job %s ok: started %s, ended %s (%.2f s)",
               job.name, started.isoformat(), timezone.now().isoformat(), time.monotonic() - clock)
    return True
