"""One jobs process per database. On PostgreSQL the process holds a session advisory lock on a
connection of its own for as long as it runs; a second process finds it taken (and exits, or waits
as a standby with ``--wait``), and the lock goes with the holder's connection when it dies, however
it dies. SQLite has no such lock: one jobs process is assumed (a trial or the demo on one machine).
"""

from __future__ import annotations

from django.db import connections

# "jiliangJ" in ASCII, as a signed 64-bit key (the log's sequencer uses "jiliangL").
LOCK_KEY = int.from_bytes(b"jiliangJ", "big") >> 1


class JobsLock:
    def __init__(self, alias: str = "default"):
        self.alias = alias
        self.connection = None
        self.taken = False

    @property
    def enforced(self) -> bool:
        return connections[self.alias].vendor == "postgresql"

    def acquire(self, wait: bool = False) -> bool:
        """Take the lock; without ``wait``, return False at once when another process holds it."""
        if not self.enforced:
            return True
        self.connection = connections.create_connection(self.alias)
        with self.connection.cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_lock(%s), true", [LOCK_KEY])
            else:
                cursor.execute("SELECT 1, pg_try_advisory_lock(%s)", [LOCK_KEY])
            taken = cursor.fetchone()[1]
        self.taken = bool(taken)
        if not taken:
            self.release()
        return taken

    def release(self) -> None:
        """Unlock, then close. Closing alone is not enough: with the connection pool
        (JILIANG_DB_POOL_SIZE) a closed connection goes back to the pool, session and lock with it."""
        if self.connection is None:
            return
        try:
            if self.taken:
                with self.connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        finally:
            self.taken = False
            self.connection.close()
            self.connection = None
