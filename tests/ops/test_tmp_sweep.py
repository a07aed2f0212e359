"""A process killed mid-import leaves no temporary file behind for good: the import's scratch pad
is never named, and a named spool (in JILIANG_TMP_DIR) is removed by the tmp.sweep job once it is
stale, never while it is fresh (docs/operations.md, docs/configuration.md)."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from django.conf import settings

from jiliang.accounts.models import AuditEvent
from jiliang.jobs import registry, scheduler
from jiliang.tmpfiles import STALE_AFTER, sweep

SPOOLING = textwrap.dedent("""
    import time
    import django
    django.setup()
    from jiliang.registry.importing.uploads import import_upload

    class Upload:
        name = "instruments.csv"
        def chunks(self):
            yield b"a,b\\n1,2\\n"
            print("spooling", flush=True)
            time.sleep(600)

    import_upload(None, "instruments", Upload(), partial=False)
""")
SCRATCHING = textwrap.dedent("""
    import time
    from jiliang.registry.importing.scratch import Scratch
    scratch = Scratch()
    scratch.stage((row, {"value": "x" * 500}) for row in range(20_000))
    print("staged", flush=True)
    time.sleep(600)
""")


def _started_midway(script: str, env: dict) -> subprocess.Popen:
    """Run ``script`` until it prints its first line: it is then mid-way, waiting."""
    process = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, **env},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if not process.stdout.readline().strip():
        _kill(process)
        pytest.fail(process.stderr.read())
    return process


def _kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stdout.close()
    process.stderr.close()


@pytest.mark.django_db
def test_a_killed_upload_spool_is_swept_once_stale_but_not_while_fresh(tmp_path, settings):
    spool_dir = tmp_path / "tmp"
    settings.JILIANG_TMP_DIR = spool_dir
    env = {"DJANGO_SETTINGS_MODULE": "jiliang.settings", "JILIANG_VAR_DIR": str(tmp_path),
           "JILIANG_TMP_DIR": str(spool_dir)}
    running = _started_midway(SPOOLING, env)
    try:
        [spool] = spool_dir.iterdir()
        assert spool.name.startswith("jiliang-upload-")
        assert sweep() == []  # the running import's fresh spool stays
        assert spool.exists()
    finally:
        _kill(running)
    assert spool.exists()  # nothing else removes it now

    stale = time.time() - STALE_AFTER.total_seconds() - 60
    os.utime(spool, (stale, stale))
    assert sweep() == [spool.name]
    assert list(spool_dir.iterdir()) == []
    event = AuditEvent.objects.get(action="tmp.sweep")
    assert event.after["removed"] == [spool.name]


def test_a_killed_import_leaves_no_scratch_file(tmp_path):
    # SQLite (and Python's tempfile, which the scratch pad used) put temporary files in TMPDIR.
    env = {"TMPDIR": str(tmp_path), "SQLITE_TMPDIR": str(tmp_path)}
    running = _started_midway(SCRATCHING, env)
    try:
        assert list(tmp_path.iterdir()) == []
    finally:
        _kill(running)
    assert list(tmp_path.iterdir()) == []


def test_large_uploads_are_written_to_the_swept_folder():
    assert settings.FILE_UPLOAD_TEMP_DIR == str(settings.JILIANG_TMP_DIR)
    assert settings.JILIANG_TMP_DIR.is_dir()


def test_the_sweep_runs_at_the_start_of_the_jobs_process_and_daily():
    job = registry.find("tmp.sweep")
    assert job.at_start and job.daily_at is not None
    built = scheduler.build(scheduler.BackgroundScheduler, [job])
    built.start(paused=True)
    try:
        first_run = built.get_job("tmp.sweep").next_run_time
        daily_run = job.trigger().get_next_fire_time(None, first_run)
        assert first_run < daily_run
    finally:
        built.shutdown(wait=False)
