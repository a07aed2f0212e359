"""The public complaint form's counters live in the configured cache: with JILIANG_REDIS_URL every
process (gunicorn's workers) counts a client's submissions together."""

import os
import socket
import subprocess
import sys
import time
import uuid

import pytest

from jiliang.enforcement.abuse import HOUR as abuse_window

REDIS_URL = os.environ.get("JILIANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def _in_a_new_process(statement: str, tmp_path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JILIANG_") and k != "DATABASE_URL"}
    env.update({"JILIANG_VAR_DIR": str(tmp_path), "JILIANG_REDIS_URL": REDIS_URL,
                "DJANGO_SETTINGS_MODULE": "jiliang.settings"})
    code = f"import django; django.setup(); from jiliang.enforcement import abuse; {statement}"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.skipif(not REDIS_URL.startswith("redis://127.0.0.1") or not _redis_answers(),
                    reason="no Redis on 127.0.0.1:6379 (.ci/run starts one)")
def test_submissions_are_counted_across_processes(tmp_path):
    # The counters are hourly windows (abuse._bucket): a try that straddles the hour's turn counts in
    # two windows and sees none of its three submissions, so such a try is made again.
    for _ in range(2):
        hour = int(time.time() // abuse_window)
        client = f"test-client-{uuid.uuid4().hex}"
        for _ in range(3):
            _in_a_new_process(f"abuse.count_submission({client!r})", tmp_path)
        # Three processes counted one each; a fourth sees all three and asks the captcha (after 3).
        answer = _in_a_new_process(f"print(abuse.submissions({client!r}), abuse.needs_captcha({client!r}))",
                                   tmp_path)
        if int(time.time() // abuse_window) == hour:
            break
    assert answer == "3 True"
    assert _in_a_new_process("from django.core.cache import cache; print(type(cache._cache).__module__)",
                             tmp_path).startswith("django.core.cache.backends.redis")


def test_submissions_counted_at_once_from_a_fresh_hour_each_count():
    # The counter is created by the hour's first submission (abuse._count): many firsts at once must
    # still count one each, in the configured cache. A try straddling the hour's turn is made again.
    from concurrent.futures import ThreadPoolExecutor

    from jiliang.enforcement import abuse

    for _ in range(2):
        hour = int(time.time() // abuse_window)
        client = f"test-client-{uuid.uuid4().hex}"
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _n: abuse.count_submission(client), range(40)))
        if int(time.time() // abuse_window) == hour:
            break
    assert abuse.submissions(client) == 40
