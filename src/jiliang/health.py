"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: database, migrations, log keys,
broker when configured), for a load balancer, systemd or a monitoring probe.

Answered by the first middleware, before the host check and the https redirect: a probe asks by
address over plain http on the machine itself, and must get the state, not a 400 or a 301.
"""

import json
import socket

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse

from jiliang.config import ConfigurationError


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any failure to reach the database is the answer, not a crash
        return f"database unreachable: {error.__class__.__name__}: {str(error).strip()[:200]}"
    return None


_migrated: set[str] = set()  # databases found fully migrated: this code's migrations stay applied


def check_migrations() -> str | None:
    alias = connection.settings_dict["NAME"]
    if alias in _migrated:
        return None  # reading every migration file on each probe would cost more than the probe
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in pending[:5])
        return f"{len(pending)} migration(s) not applied ({names}): run `jiliang upgrade`"
    _migrated.add(alias)
    return None


def check_log_keys() -> str | None:
    from jiliang.ledger.keys import log_vkeys

    try:
        vkeys = log_vkeys()
    except ConfigurationError as error:
        return str(error)
    origin = settings.JILIANG_LEDGER_ORIGIN
    if not origin or any(not vkey.startswith(origin + "+") for vkey in vkeys):
        return f"the log's public keys are not for JILIANG_LEDGER_ORIGIN={origin!r}"
    return None


def check_broker() -> str | None:
    if not settings.JILIANG_READY_CHECKS_BROKER:
        return None
    host, port = settings.JILIANG_MONITORING_MQTT_HOST, settings.JILIANG_MONITORING_MQTT_PORT
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as error:
        return f"MQTT broker {host}:{port} unreachable: {error}"
    return None


def readiness() -> dict[str, str]:
    """Each check's problem, or "ok"; the migrations are only asked of a reachable database."""
    results = {"database": check_database()}
    results["migrations"] = check_migrations() if results["database"] is None else "not checked"
    results["log_keys"] = check_log_keys()
    if settings.JILIANG_READY_CHECKS_BROKER:
        results["broker"] = check_broker()
    return {name: problem or "ok" for name, problem in results.items()}


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return HttpResponse("ok\n", content_type="text/plain")
        if request.path == "/readyz":
            checks = readiness()
            ready = all(value == "ok" for value in checks.values())
            body = json.dumps({"ready": ready, "checks": checks}, ensure_ascii=False, indent=1)
            response = HttpResponse(body + "\n", content_type="application/json", status=200 if ready else 503)
            response["Cache-Control"] = "no-store"
            response._has_been_logged = True  # a probe's 503 is its answer, not a server error to log
            return response
        return self.get_response(request)
