"""The import's scratch pad on disk, so that a million-row file needs no million-row memory.

A temporary SQLite database (the standard library's, not the platform database) holds, between
the validating pass and the writing pass:

- the natural keys seen so far, to find a key repeated within the file and the row it repeats;
- the errors, by row, for the report and the annotated sheet;
- the validated rows, ready to write, so the writing pass neither re-reads nor re-checks the upload.

SQLite keeps a small page cache and spills the rest to a file, so memory stays flat whatever the
size of the upload. The database is SQLite's own temporary one (an empty file name): its file is
unlinked as soon as it is opened, so a killed import leaves nothing behind. Pure logic, no Django.
"""

import pickle
import sqlite3
from collections.abc import Iterable, Iterator

PARAMS_PER_QUERY = 900  # under SQLite's oldest limit of 999 bound parameters


class Scratch:
    def __init__(self):
        self._db = sqlite3.connect("")
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -8000;
            CREATE TABLE seen (key TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE error (row INTEGER NOT NULL, column TEXT NOT NULL, reason TEXT NOT NULL);
            CREATE INDEX error_row ON error (row);
            CREATE TABLE staged (row INTEGER PRIMARY KEY, data BLOB NOT NULL);
            """
        )
        self.error_count = 0
        self.staged_count = 0

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Scratch":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def claim(self, keys: Iterable[tuple[str, int]]) -> list[tuple[str, int, int]]:
        """Record each (key, row); return (key, row, earlier row) for every key seen before."""
        pending: dict[str, int] = {}
        repeats: list[tuple[str, int, int]] = []
        for key, row in keys:
            if key in pending:
                repeats.append((key, row, pending[key]))
            else:
                pending[key] = row
        names = list(pending)
        for start in range(0, len(names), PARAMS_PER_QUERY):
            chunk = names[start : start + PARAMS_PER_QUERY]
            marks = ",".join("?" * len(chunk))
            for key, earlier in self._db.execute(f"SELECT key, row FROM seen WHERE key IN ({marks})", chunk):
                repeats.append((key, pending.pop(key), earlier))
        self._db.executemany("INSERT INTO seen (key, row) VALUES (?, ?)", pending.items())
        return repeats

    def add_errors(self, errors: Iterable[tuple[int, str, str]]) -> None:
        before = self._db.total_changes
        self._db.executemany("INSERT INTO error (row, column, reason) VALUES (?, ?, ?)", errors)
        self.error_count += self._db.total_changes - before

    def errors(self, limit: int | None = None) -> Iterator[tuple[int, str, str]]:
        """(row, column, reason) in row order."""
        sql = "SELECT row, column, reason FROM error ORDER BY row, rowid"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        yield from self._db.execute(sql)

    def bad_row_count(self) -> int:
        return self._db.execute("SELECT COUNT(DISTINCT row) FROM error").fetchone()[0]

    def errors_by_row(self) -> Iterator[tuple[int, list[tuple[str, str]]]]:
        """(row, [(column, reason), ...]) in row order, one entry per bad row."""
        current, problems = None, []
        for row, column, reason in self.errors():
            if row != current and problems:
                yield current, problems
                problems = []
            current = row
            problems.append((column, reason))
        if problems:
            yield current, problems

    def stage(self, rows: Iterable[tuple[int, dict]]) -> None:
        before = self._db.total_changes
        self._db.executemany(
            "INSERT INTO staged (row, data) VALUES (?, ?)",
            ((row, pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL)) for row, values in rows),
        )
        self.staged_count += self._db.total_changes - before

    def staged(self, batch_size: int) -> Iterator[list[tuple[int, dict]]]:
        """The staged rows in row order, ``batch_size`` at a time; only this pad ever wrote them."""
        after = 0
        while True:
            batch = self._db.execute(
                "SELECT row, data FROM staged WHERE row > ? ORDER BY row LIMIT ?", (after, batch_size)
            ).fetchall()
            if not batch:
                return
            yield [(row, pickle.loads(data)) for row, data in batch]
            after = batch[-1][0]
