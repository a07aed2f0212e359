"""What an API token may do: a read or a write scope per app (pure, no Django).

A request needs ``APP:read`` for a safe method and ``APP:write`` otherwise; the head-end upload of
monitoring files has its own ``monitoring:ingest`` so that a gateway's token can send data and do
nothing else. Tokens carry no scope for the accounts app's writes: tokens are managed from a
signed-in session only.
"""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
APPS = {
    "accounts": ("read",),
    "registry": ("read", "write"),
    "verification": ("read", "write"),
    "monitoring": ("read", "write", "ingest"),
    "enforcement": ("read", "write"),
    "credit": ("read", "write"),
    "supervision": ("read", "write"),
    # The global search (portal/search.py) reads across apps (instruments, organizations, sites and
    # certificates): a scope of its own, so that a registry token does not find certificates.
    "search": ("read",),
    # The plan tracker (portal/tracker.py): a department's own system reads the plan's tasks and reports
    # progress on them, the city regulator reviews the reports. Nothing else of the platform comes with it.
    "plan": ("read", "write"),
}
ALL_SCOPES = tuple(f"{app}:{access}" for app, accesses in APPS.items() for access in accesses)
# Writes that need the app's ingest scope rather than its write scope.
INGEST_PATHS = {"monitoring": "/api/v1/monitoring/uploads"}


def required_scope(app: str, method: str, path: str) -> str:
    if method.upper() in SAFE_METHODS:
        return f"{app}:read"
    if INGEST_PATHS.get(app) == path.rstrip("/"):
        return f"{app}:ingest"
    return f"{app}:write"


def unknown_scopes(scopes: list[str]) -> list[str]:
    return [scope for scope in scopes if scope not in ALL_SCOPES]
