"""The scheduled jobs (jiliang.jobs): a job runs on its schedule through the real scheduler, a
failing job is logged and the others (and itself) still run, `--run-once` and `--list`, and on
PostgreSQL the jobs lock keeps a second `jiliang jobs` process out."""

import datetime as dt
import io
import logging
import os
import signal
import subprocess
import sys
import time

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from jiliang.accounts.models import AuditEvent
from jiliang.jobs import registry, runner, scheduler
from jiliang.jobs.lock import JobsLock
from jiliang.ledger import selectors
from jiliang.ledger import services as ledger
from jiliang.ui.management.commands import serve

FAST = dt.timedelta(milliseconds=50)


def _sequencer(every=FAST) -> registry.Job:
    return registry.Job("ledger.sequence", "test", "jiliang.ledger.sequencer:publish", every=every)


def _append_one(record_id: str = "1") -> None:
    with transaction.atomic():
        ledger.append("jobs.test", {"id": record_id})


def _until(condition, timeout: float = 30.0) -> bool:
    """Poll ``condition`` until true or ``timeout`` (a bound on waiting, not a timing assertion).
    The conditions read the log records, not the database: SQLite's shared in-memory test database
    has table locks without a busy wait, so the test thread stays off it while the jobs run."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _runs(caplog, text: str) -> int:
    return sum(text in record.getMessage() for record in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_serve_runs_the_jobs_while_it_serves_so_new_entries_reach_the_log(settings, caplog, monkeypatch):
    """`jiliang serve` (and so `jiliang demo`): the web server stands in for runserver here."""
    settings.JILIANG_LEDGER_SEQUENCE_INTERVAL_MS = 50
    caplog.set_level(logging.DEBUG, logger="jiliang.jobs")
    _append_one()
    assert selectors.tree_size() == 0
    served = []

    def runserver(name, addrport, **options):
        served.append((name, addrport))
        assert _until(lambda: _runs(caplog, "job ledger.sequence ok") >= 1)

    monkeypatch.setattr(serve, "call_command", runserver)
    out = io.StringIO()
    call_command("serve", "127.0.0.1:8103", stdout=out)
    assert served == [("runserver", "127.0.0.1:8103")]
    assert f"Scheduled jobs: {len(registry.jobs())} running in this process" in out.getvalue()
    assert selectors.tree_size() == 1


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_logged_and_the_other_jobs_and_its_next_runs_go_on(caplog):
    broken = registry.Job("broken", "raises", "json:loads", every=FAST)  # json.loads() without an argument
    caplog.set_level(logging.INFO, logger="jiliang.jobs")
    _append_one()
    jobs = scheduler.build(BackgroundScheduler, [broken, _sequencer()])
    jobs.start()
    try:
        assert _until(lambda: _runs(caplog, "job broken failed") >= 2 and _runs(caplog, "job ledger.sequence ok") >= 1)
    finally:
        jobs.shutdown()
    assert selectors.tree_size() == 1
    failure = next(r for r in caplog.records if "job broken failed" in r.getMessage())
    assert failure.levelno == logging.ERROR and failure.exc_info[0] is TypeError
    assert "started" in failure.getMessage() and "ended" in failure.getMessage()


@pytest.mark.django_db(transaction=True)
def test_run_once_runs_the_named_job_and_list_shows_every_job(capsys):
    _append_one()
    call_command("jobs", "--run-once", "ledger.sequence")
    assert selectors.tree_size() == 1
    with pytest.raises(CommandError, match="No job named 'nope'"):
        call_command("jobs", "--run-once", "nope")
    call_command("jobs", "--list")
    listed = capsys.readouterr().out
    assert all(job.name in listed for job in registry.jobs()) and "daily at 07:15 (Asia/Shanghai)" in listed


@pytest.mark.django_db(transaction=True)
def test_every_registered_job_runs_and_audits_its_writes(caplog):
    caplog.set_level(logging.INFO, logger="jiliang.jobs")
    for job in registry.jobs():
        assert runner.run(job), job.name
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert AuditEvent.objects.filter(action="monitoring.purge").count() == 1
    assert AuditEvent.objects.filter(action="verification.reminders.run").count() == 1


def test_a_job_has_exactly_one_schedule():
    with pytest.raises(ValueError, match="exactly one"):
        registry.Job("both", "", "json:dumps", every=FAST, daily_at=dt.time(7))
    with pytest.raises(ValueError, match="exactly one"):
        registry.Job("neither", "", "json:dumps")


def _jobs_process(tmp_path) -> subprocess.Popen:
    database = connection.settings_dict
    url = (f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}:"
           f"{database['PORT'] or 5432}/{database['NAME']}")
    env = {**os.environ, "DATABASE_URL": url, "JILIANG_VAR_DIR": str(tmp_path), "JILIANG_LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "jiliang.settings", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "jiliang.cli", "jobs"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_jobs_lock_keeps_a_second_process_out_on_postgresql(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no advisory lock: one jobs process is assumed (docs/operations.md)")
    first = _jobs_process(tmp_path)
    try:
        assert "holding the jobs lock" in first.stdout.readline()
        assert not JobsLock().acquire()
        second = _jobs_process(tmp_path)
        _out, error = second.communicate(timeout=120)
        assert second.returncode == 1
        assert "Another `jiliang jobs` process holds the jobs lock" in error
        assert len(error.strip().splitlines()) == 1
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=120)
    assert "jobs: stopped." in first.stdout.read()
    lock = JobsLock()
    assert lock.acquire()
    lock.release()
