"""Running an import: validate every row first, then write all of them (or, with ``partial``, the
good ones) in one transaction, in batches, with one audit row per batch.

Pass 1 streams the upload ``BATCH_SIZE`` rows at a time: each cell is parsed, the batch's
references (divisions, organizations, sites, instrument types) are resolved with one query each,
natural keys are checked against the rest of the file (on the scratch pad) and against the
database, and the caller's right to each row is checked with ``accounts.access``. A new row
becomes its column values (derived ones included), never a model instance; a row equal to its
stored object is counted "unchanged" and goes no further. Errors and the rows to write go to the
scratch pad on disk, never to memory.

Pass 2 runs only when no row is bad, or when ``partial`` is asked for: inside one
``transaction.atomic()`` it reads the staged rows back a batch at a time; new rows get ids reserved
from the table's sequence (``bulk.reserve_ids``) and go in with ``bulk.insert`` (COPY on
PostgreSQL, a prepared INSERT on SQLite); changed rows are compared with the stored object again
and written with ``bulk_update``. Any failure rolls the whole import back.

On PostgreSQL, unless the caller has a transaction open, pass 2 runs beside pass 1 instead of
after it (``_OverlappedWriter``): a thread with a connection of its own writes each batch, in one
transaction, as soon as pass 1 has validated it, so the server's work (indexes, foreign-key
checks) overlaps the validation of the next batch rather than following it. The writes are
speculative: the first bad row (without ``partial``) rolls that transaction back, and pass 1 goes
on to report every bad row as before; nothing of a rejected import is ever committed. Foreign
keys are checked as each statement ends (``SET CONSTRAINTS ALL IMMEDIATE``), not all at commit.

Audit: one ``AuditEvent`` per written batch (action ``import.<kind>``), naming the file, the import
id, the batch's place ("3/500"), its counts, the natural key of every created row and, for every
updated row, the changed fields before and after (personal data masked). A batch is at most
``BATCH_SIZE`` rows, so an audit row stays small however large the file; a file of a million rows
leaves five hundred audit rows rather than a million, and rejected imports write nothing at all.
A created row's values are those of its line in the file (named by the file's SHA-256) with the
derived columns, so the natural key and the file are its "after".
"""

import contextvars
import copy
import datetime
import gc
import hashlib
import itertools
import pickle
import queue
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.accounts.access import AccessDenied, may, rule_for
from jiliang.accounts.models import Role
from jiliang.cells import CONTROL_CHARACTERS
from jiliang.errors import Conflict, InvalidInput
from jiliang.registry.importing import bulk
from jiliang.registry.importing.annotate import ERROR_HEADER, write_annotated
from jiliang.registry.importing.columns import CellError, Column, HeaderMatch, match_headers
from jiliang.registry.importing.reader import UnreadableFile, open_sheet
from jiliang.registry.importing.scratch import Scratch
from jiliang.textguard import control_character_error

BATCH_SIZE = 2000
STATISTICS_AFTER_ROWS = 10_000  # an import writing this many rows refreshes the planner's statistics
REPORTED_ERRORS = 1000  # errors returned in the response; the annotated sheet has every one

Progress = Callable[[str, int, int | None], None]  # (phase "validate" | "write", rows done, total)


class FileRejected(InvalidInput):
    """The file as a whole cannot be imported (unreadable, a required column missing)."""


@dataclass(slots=True)
class Row:
    number: int
    cells: dict[str, str]  # column key -> cell text
    values: dict[str, object] = field(default_factory=dict)  # column key -> parsed value
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column header, reason)
    existing: models.Model | None = None
    fields: dict[str, object] | None = None  # what is written: model attnames, foreign keys as ids
    new_values: dict[str, object] | None = None  # a new row's every column, derived ones included
    unchanged: bool = False  # equal to the stored object: nothing to write
    label: str = ""  # the natural key as text, for the audit log

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    kind: str
    filename: str
    format: str
    import_id: str
    partial: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    written: bool = False
    annotated_path: Path | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def summary(self) -> dict:
        return {
            "kind": self.kind, "filename": self.filename, "format": self.format,
            "import_id": self.import_id, "partial": self.partial, "rows": self.rows,
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "bad_rows": self.bad_rows, "error_count": self.error_count, "written": self.written,
            "ignored_columns": self.ignored_columns,
        }


class ImportKind:
    """What one kind of row (organization, site, instrument) needs; subclasses fill it in.

    ``parsers`` turn cell text into values (raising ``CellError``); ``resolve`` turns a batch's
    reference cells into objects; ``natural_keys`` name a row; ``find_existing`` finds the stored
    objects a batch's rows denote; ``derive`` (a stored object) and ``derive_new`` (a new row's
    column values) set the columns computed from others.

    A new row is never a model instance: building one costs more than the rest of its checks. Its
    access check depends only on ``scope_columns`` (what the model's scope rule follows), so it is
    decided once per distinct combination of them, on an instance carrying just those.
    """

    name: str
    title: str
    model: type[models.Model]
    columns: list[Column]
    parsers: dict[str, Callable[[str], object]]
    scope_column: str  # the column a "not in your jurisdiction" error points at
    scope_columns: tuple[str, ...]  # attnames the scope rule reads on a new row (its division, its owner)
    owner_editable: tuple[str, ...] | None = None  # what an owner may change; None: everything

    def __init__(self):
        self.header = {c.key: c.header for c in self.columns}
        self.attname = {c.key: self.model._meta.get_field(c.key).attname for c in self.columns}

    # --- hooks -----------------------------------------------------------------------------
    def context(self, user) -> dict:
        return {"user": user}

    def resolve(self, ctx: dict, rows: list[Row]) -> None:
        """Replace reference cells by objects for the batch; add errors for unknown ones."""

    def natural_keys(self, row: Row) -> list[tuple[str, str]]:
        """(key, column key a repeat is reported on) for each key that must be unique in the file;
        the first is the row's label in the audit log. Empty while a reference is unresolved."""
        raise NotImplementedError

    def find_existing(self, ctx: dict, rows: list[Row]) -> None:
        """Set ``row.existing`` for each row whose object is already stored."""
        raise NotImplementedError

    def check_row(self, ctx: dict, row: Row) -> None:
        """Kind-specific checks needing the stored object (conflicts, masked values)."""

    def derive(self, ctx: dict, obj: models.Model) -> None:
        """Set columns computed from others on a stored object being changed."""

    def derive_new(self, ctx: dict, values: dict) -> None:
        """Set columns computed from others in a new row's column values (attname -> value)."""

    def before_create(self, ctx: dict, created: list[dict]) -> None:
        """Last adjustments to a batch of new rows (column values) before they are inserted."""

    def prepare_write(self, ctx: dict, updates: list[dict]) -> None:
        """Load what ``derive`` needs for a batch of staged changes ({attname: value})."""

    def after_write(self, ctx: dict, created: list[tuple[int, dict]],
                    updated: list[tuple[models.Model, models.Model]]) -> None:
        """Extra rows that go with a written batch (e.g. status history); ``created`` pairs each new
        row's id with its values, ``updated`` each updated object with a copy of it as it was."""

    def missing_columns(self, match: HeaderMatch) -> list[Column]:
        """Required columns the file lacks."""
        return match.missing

    # --- shared mechanics ------------------------------------------------------------------
    def check_role(self, user) -> None:
        writers = rule_for(self.model).writers.get("create", ())
        if not (user and user.is_authenticated and user.is_active):
            raise AccessDenied(_("请先登录。"))
        if not user.is_superuser and user.role not in writers:
            raise AccessDenied(
                _("您的角色(%(role)s)无权导入%(model)s。")
                % {"role": user.get_role_display() or "-", "model": self.model._meta.verbose_name}
            )

    def parse(self, number: int, cells: dict[str, str]) -> Row:
        """A row from its cells (column key -> text), each read by its column's parser."""
        row = Row(number, cells)
        values, parsers = row.values, self.parsers
        has_controls = CONTROL_CHARACTERS.search("".join(cells.values())) is not None
        for key, text in cells.items():
            if has_controls and (problem := control_character_error(text)):
                row.errors.append((self.header[key], problem))
                continue
            try:
                values[key] = parsers[key](text)
            except CellError as error:
                row.errors.append((self.header[key], str(error)))
        return row

    def fields_of(self, row: Row) -> dict[str, object]:
        """The row's values as model attributes: foreign keys as ids."""
        return {self.attname[key]: value.pk if isinstance(value, models.Model) else value
                for key, value in row.values.items()}

    def changed(self, ctx: dict, row: Row) -> models.Model:
        """The stored object as it would be after the import, unsaved, for the access check."""
        obj = copy.copy(row.existing)
        for attname, value in row.fields.items():
            setattr(obj, attname, value)
        self.derive(ctx, obj)
        return obj

    def may_create(self, ctx: dict, values: dict) -> bool:
        decided = ctx["may_create"]
        key = tuple(values[name] for name in self.scope_columns)
        if key not in decided:
            probe = self.model(**dict(zip(self.scope_columns, key, strict=True)))
            decided[key] = may(ctx["user"], "create", probe)
        return decided[key]

    def check_access(self, ctx: dict, row: Row) -> None:
        user = ctx["user"]
        row.fields = self.fields_of(row)
        if user.role == Role.OWNER and row.existing is not None and self.owner_editable is not None:
            for key in row.values:
                attname = self.attname[key]
                if key not in self.owner_editable and getattr(row.existing, attname) != row.fields[attname]:
                    row.errors.append((self.header[key], _("您无权修改此项，请联系监管部门")))
        if row.existing is not None and not may(user, "change", row.existing):
            row.errors.append((self.header[self.scope_column],
                               _("该记录已登记在您的管辖或所属范围以外，不能由您修改。")))
            return
        if row.existing is None:
            row.new_values = {**ctx["defaults"], **row.fields}
            self.derive_new(ctx, row.new_values)
            allowed = self.may_create(ctx, row.new_values)
        elif all(getattr(row.existing, a) == v for a, v in row.fields.items()):
            row.unchanged = True  # the check of the stored row above is the whole check
            return
        else:
            allowed = may(user, "change", self.changed(ctx, row))
        if not allowed:
            shown = row.cells.get(self.scope_column, "")
            row.errors.append((self.header[self.scope_column],
                               _("“%(value)s”不在您的管辖或所属范围内。") % {"value": shown}))

    def apply(self, ctx: dict, obj: models.Model, fields: dict) -> bool:
        """Set the fields that differ on ``obj`` (and what derives from them); whether any did."""
        changed = False
        for attname, value in fields.items():
            if getattr(obj, attname) != value:
                setattr(obj, attname, value)
                changed = True
        if changed:
            self.derive(ctx, obj)
        return changed


SQLITE_WRITE_CACHE_KIB = 65_536


@contextmanager
def _write_cache():
    """On SQLite, a 64 MiB page cache while the import writes (the default is 2 MiB): inserting
    into the indexes of a large table otherwise re-reads most pages from the file. A fixed bound,
    set back afterwards; PostgreSQL caches on the server."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _check_as_written() -> None:
    """On PostgreSQL, check the foreign keys of each statement as it ends rather than all at COMMIT.

    Django declares them DEFERRABLE INITIALLY DEFERRED, so a million-row import would queue seven
    million checks on the server and run them at commit, after the last batch, while this process
    waits; checked as each batch is written they run in the server's memory for one batch. A
    failing check raises ``IntegrityError`` at once, which rolls the import back as before. The
    setting ends with the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class _RareCollections:
    """Python's cyclic garbage collector at a hundred times its usual interval while imports run.

    An import allocates millions of short-lived objects (rows, dicts, tuples) that reference
    counting frees; at the default threshold (700 allocations) the collector would also walk the
    whole heap again and again for nothing, an eighth of an import's time. The threshold is
    process-wide: the first import to start raises it, the last to finish sets it back."""

    def __init__(self):
        self._lock = threading.Lock()
        self._running = 0
        self._saved: tuple[int, ...] = ()

    def __enter__(self) -> None:
        with self._lock:
            if not self._running:
                self._saved = gc.get_threshold()
                gc.set_threshold(self._saved[0] * 100, *self._saved[1:])
            self._running += 1

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._running -= 1
            if not self._running:
                gc.set_threshold(*self._saved)


_rare_collections = _RareCollections()


def _batched(iterable: Iterable, size: int):
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _validate_batch(kind: ImportKind, ctx: dict, rows: list[Row], scratch: Scratch) -> None:
    kind.resolve(ctx, rows)
    claims, columns = [], {}
    for row in rows:
        keys = kind.natural_keys(row)
        if keys:
            row.label = keys[0][0]
        for key, column in keys:
            claims.append((key, row.number))
            columns[key] = column
    by_number = {row.number: row for row in rows}
    for key, number, earlier in scratch.claim(claims):
        by_number[number].errors.append(
            (kind.header[columns[key]], _("与第 %(row)s 行重复") % {"row": earlier}))
    candidates = [row for row in rows if row.ok]
    kind.find_existing(ctx, candidates)
    for row in candidates:
        kind.check_row(ctx, row)
        if row.ok:
            kind.check_access(ctx, row)


def _changed_meanwhile() -> Conflict:
    return Conflict(_("导入期间有人登记了相同的记录，本次导入已全部撤销，请重新导入。"))


class _Packing:
    """A new row as the scratch pad keeps it: its column values in ``bulk.columns`` order, dates
    as day numbers (pickling a date costs several times what the rest of the row does)."""

    def __init__(self, model: type[models.Model]):
        self.attnames = [f.attname for f in bulk.columns(model)]
        self.read = itemgetter(*self.attnames)
        self.dates = [i for i, f in enumerate(bulk.columns(model)) if f.get_internal_type() == "DateField"]

    def pack(self, values: dict) -> tuple:
        packed = list(self.read(values))
        for i in self.dates:
            if packed[i] is not None:
                packed[i] = packed[i].toordinal()
        return tuple(packed)

    def unpack(self, packed: tuple) -> dict:
        values = dict(zip(self.attnames, packed, strict=True))
        for i in self.dates:
            if packed[i] is not None:
                values[self.attnames[i]] = datetime.date.fromordinal(packed[i])
        return values


@dataclass(slots=True)
class _Batch:
    """A batch of staged rows read back from the scratch pad, new rows unpacked."""
    size: int
    changes: list[tuple[int, dict, str]]  # (primary key, the changed fields, label)
    created: list[dict]  # a new row's column values
    created_labels: list[str]


def _unpacked(staged: list[tuple[int, tuple]], packing: _Packing) -> _Batch:
    """A batch from staged rows: (None, a new row packed, label) or (primary key, the changed
    fields, label)."""
    return _Batch(len(staged),
                  [(pk, fields, label) for _, (pk, fields, label) in staged if pk is not None],
                  [packing.unpack(values) for _, (pk, values, _) in staged if pk is None],
                  [label for _, (pk, _, label) in staged if pk is None])


def _write_batch(kind: ImportKind, ctx: dict, batch: _Batch, report: ImportReport, digest: str) -> dict:
    """Write one batch of rows; the "after" of its audit row."""
    changes, created, created_labels = batch.changes, batch.created, batch.created_labels
    kind.prepare_write(ctx, [fields for _, fields, _ in changes])
    current = kind.model.objects.in_bulk([pk for pk, _, _ in changes])
    now = timezone.now()
    updated, changed_names, updated_changes, unchanged = [], set(), {}, 0
    for pk, fields, label in changes:
        obj = current.get(pk)
        if obj is None:
            raise _changed_meanwhile()  # deleted since it was validated
        before = copy.copy(obj)
        if not kind.apply(ctx, obj, fields):
            unchanged += 1
            continue
        old, new = audit.snapshot(before), audit.snapshot(obj)
        names = [n for n in audit.changed_fields(old, new) if n != "updated_at"]
        obj.updated_at = now
        changed_names.update(names)
        updated.append((obj, before))
        updated_changes[label] = {n: [old[n], new[n]] for n in names}
    kind.before_create(ctx, created)
    ids = bulk.reserve_ids(kind.model, len(created))
    for pk, row in zip(ids, created, strict=True):
        row["id"] = pk
    bulk.insert(kind.model, created, with_pk=True)
    if updated:
        names = sorted({kind.model._meta.get_field(n).name for n in changed_names} | {"updated_at"})
        kind.model.objects.bulk_update([obj for obj, _ in updated], names, batch_size=500)
    kind.after_write(ctx, list(zip(ids, created, strict=True)), updated)
    report.created += len(created)
    report.updated += len(updated)
    report.unchanged += unchanged
    return {"file": report.filename, "sha256": digest, "import_id": report.import_id,
            "batch": None, "partial": report.partial, "created": len(created),
            "updated": len(updated), "unchanged": unchanged,
            "created_keys": created_labels, "updated_changes": updated_changes}


def _audit_batch(kind: ImportKind, ctx: dict, report: ImportReport, after: dict, place: str) -> None:
    """The audit row of one written batch (``after`` from ``_write_batch``), ``place`` like "3/500"."""
    user = ctx["user"]
    audit.record(
        user, f"import.{kind.name}", object_type=kind.model._meta.label, object_id=report.import_id,
        object_repr=f"{report.filename} ({place})",
        division=user.division if getattr(user, "division_id", None) else None,
        after={**after, "batch": place},
    )


class _Abandoned(Exception):
    """The overlapped write is rolled back: the file has a bad row, or reading it failed."""


_END = object()


class _OverlappedWriter:
    """Pass 2 run beside pass 1, on PostgreSQL: a thread with its own connection writes each batch
    as soon as it is validated, in one transaction, while this thread validates the next one.

    Done one after the other, the client validated (one CPU) and then waited while the server
    inserted into the indexes and checked the foreign keys (the other CPU), each idle half the
    time. The writes are speculative: the transaction commits only when every row was good (or
    ``partial``), otherwise it is rolled back and nothing of the import stays. The audit rows
    (whose "3/500" needs the count of batches) are kept in a temporary file and recorded at the
    end, in the same transaction."""

    def __init__(self, kind: ImportKind, ctx: dict, report: ImportReport, digest: str):
        self.kind, self.report, self.digest = kind, report, digest
        self.ctx = dict(ctx)  # prepare_write sets entries; the validating thread has its own
        self.batches: queue.Queue = queue.Queue(maxsize=2)
        self.pending: list[Row] = []  # validated rows to write, sent BATCH_SIZE at a time
        self.error: BaseException | None = None
        self.written = 0
        self.closed = False
        context = contextvars.copy_context()  # the request's id and address, for the audit rows
        self.thread = threading.Thread(target=context.run, args=(self._run,), name="import-writer", daemon=True)
        self.thread.start()

    def add(self, rows: list[Row]) -> None:
        """Write these validated rows (none unchanged), in batches of ``BATCH_SIZE`` as in pass 2."""
        self.pending.extend(rows)
        while len(self.pending) >= BATCH_SIZE:
            self._send_rows(self.pending[:BATCH_SIZE])
            del self.pending[:BATCH_SIZE]

    def _send_rows(self, rows: list[Row]) -> None:
        self._send(_Batch(len(rows), [(row.existing.pk, row.fields, row.label) for row in rows if row.existing],
                          [row.new_values for row in rows if row.existing is None],
                          [row.label for row in rows if row.existing is None]))

    def _send(self, item) -> None:
        while self.thread.is_alive():
            try:
                self.batches.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        if self.error is not None and item is not _Abandoned:
            raise self.error

    def abandon(self) -> None:
        """Roll back whatever was written and stop the thread."""
        if not self.closed:
            self.closed = True
            self._send(_Abandoned)
            self.thread.join()

    def commit(self, notify: Progress, total: int) -> None:
        """Write the last rows, the audit rows, commit, and wait; raise what the thread raised."""
        self.closed = True
        if self.pending:
            self._send_rows(self.pending)
            self.pending = []
        self._send(_END)
        while self.thread.is_alive():
            self.thread.join(timeout=0.2)
            notify("write", self.written, total)
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            with tempfile.TemporaryFile() as kept, transaction.atomic():
                _check_as_written()
                count = 0
                while (batch := self.batches.get()) is not _END:
                    if batch is _Abandoned:
                        raise _Abandoned
                    pickle.dump(_write_batch(self.kind, self.ctx, batch, self.report, self.digest), kept,
                                protocol=pickle.HIGHEST_PROTOCOL)
                    count += 1
                    self.written += batch.size
                kept.seek(0)
                for index in range(1, count + 1):
                    _audit_batch(self.kind, self.ctx, self.report, pickle.load(kept), f"{index}/{count}")
        except _Abandoned:
            pass
        except IntegrityError:
            self.error = _changed_meanwhile()
        except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
            self.error = error
        finally:
            connection.close()


def _overlaps() -> bool:
    """Whether pass 2 may run beside pass 1 on a connection of its own: on PostgreSQL, and not
    inside a caller's transaction (the second connection could not see what it wrote)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def run_import(user, kind: ImportKind, path: Path, *, filename: str, partial: bool = False,
               annotate_to: Callable[[str], Path] | None = None, progress: Progress | None = None) -> ImportReport:
    """Import ``path`` as ``kind`` for ``user``; see the module docstring.

    Raises ``FileRejected`` for a file that cannot be read at all and ``AccessDenied`` for a role
    that may not import this kind. Row problems do not raise: they come back in the report, and
    when ``annotate_to`` is given the annotated sheet is written to ``annotate_to(format)``
    (format "csv" or "xlsx", the upload's own).
    """
    kind.check_role(user)
    try:
        sheet = open_sheet(path)
    except UnreadableFile as error:
        raise FileRejected(str(error), {"file": [str(error)]}) from None
    with sheet, _rare_collections:
        return _import_sheet(user, kind, sheet, path, filename, partial, annotate_to, progress)


def _import_sheet(user, kind: ImportKind, sheet, path: Path, filename: str, partial: bool,
                  annotate_to: Callable[[str], Path] | None, progress: Progress | None) -> ImportReport:
    match = match_headers(kind.columns, sheet.headers, skip=(ERROR_HEADER,))
    problems = {}
    for column in kind.missing_columns(match):
        problems[column.header] = [_("缺少必填列“%(header)s”") % {"header": column.header}]
    for header in match.repeated:
        problems[header] = [_("列“%(header)s”出现了不止一次") % {"header": header}]
    if problems:
        raise FileRejected(_("文件表头与模板不符，请下载模板核对。"), problems)

    report = ImportReport(kind.name, filename, sheet.format, uuid.uuid4().hex, partial,
                          ignored_columns=match.ignored)
    ctx = kind.context(user)
    ctx["defaults"] = {f.attname: f.get_default() for f in bulk.columns(kind.model)}
    ctx["may_create"] = {}
    packing = _Packing(kind.model)
    digest = _file_digest(path)
    notify = progress or (lambda phase, done, total: None)
    keys, indexes = tuple(match.positions), tuple(match.positions.values())
    unchanged = 0
    with Scratch() as scratch:
        writer = _OverlappedWriter(kind, ctx, report, digest) if _overlaps() else None
        try:
            for batch in _batched(sheet.rows(), BATCH_SIZE):
                rows = [kind.parse(number, dict(zip(keys, [cells[i] for i in indexes], strict=True)))
                        for number, cells in batch]
                _validate_batch(kind, ctx, rows, scratch)
                scratch.add_errors((row.number, column, reason) for row in rows for column, reason in row.errors)
                unchanged += sum(1 for row in rows if row.ok and row.unchanged)
                if writer is not None and scratch.error_count and not partial:
                    writer.abandon()
                if partial or not scratch.error_count:
                    good = [row for row in rows if row.ok and not row.unchanged]
                    if writer is not None:
                        writer.add(good)
                    else:
                        scratch.stage(
                            (row.number, (None, packing.pack(row.new_values), row.label) if row.existing is None
                             else (row.existing.pk, row.fields, row.label))
                            for row in good
                        )
                report.rows += len(rows)
                notify("validate", report.rows, sheet.estimated_rows)
        except BaseException as error:
            if writer is not None:
                writer.abandon()
            if isinstance(error, UnreadableFile):
                raise FileRejected(str(error), {"file": [str(error)]}) from None
            raise
        if writer is not None and not writer.closed:
            writer.commit(notify, report.rows - unchanged - scratch.bad_row_count())
            report.unchanged += unchanged
            report.written = True
        elif writer is not None:
            report.created = report.updated = report.unchanged = 0
        report.error_count = scratch.error_count
        report.bad_rows = scratch.bad_row_count()
        report.errors = [RowError(*e) for e in scratch.errors(limit=REPORTED_ERRORS)]
        if annotate_to is not None and report.error_count:
            report.annotated_path = annotate_to(sheet.format)
            write_annotated(sheet, scratch.errors_by_row(), report.annotated_path)
        if report.error_count and not partial:
            return report
        if writer is not None:
            return _refreshed(kind, report)
        report.unchanged = unchanged
        batches = -(-scratch.staged_count // BATCH_SIZE)
        done = 0
        try:
            with transaction.atomic(), _write_cache():
                _check_as_written()
                for index, staged in enumerate(scratch.staged(BATCH_SIZE), start=1):
                    batch = _unpacked(staged, packing)
                    after = _write_batch(kind, ctx, batch, report, digest)
                    _audit_batch(kind, ctx, report, after, f"{index}/{batches}")
                    done += batch.size
                    notify("write", done, scratch.staged_count)
        except IntegrityError:
            raise _changed_meanwhile() from None
        report.written = True
    return _refreshed(kind, report)


def _refreshed(kind: ImportKind, report: ImportReport) -> ImportReport:
    if report.created + report.updated >= STATISTICS_AFTER_ROWS:
        bulk.refresh_statistics(kind.model)
    return report
