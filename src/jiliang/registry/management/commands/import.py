"""`jiliang import organizations|sites|instruments FILE`: the console side of the registry import.

Validates every row first and writes nothing when any row is bad (unless --partial), with a
progress bar for both passes. Exits with status 1 and the error report when rows are bad.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jiliang.errors import DomainError
from jiliang.registry.importing.engine import run_import
from jiliang.registry.importing.kinds import KINDS

SHOWN_ERRORS = 50
PHASES = {"validate": "校验", "write": "写入"}


class Command(BaseCommand):
    help = "Import organizations, sites or instruments from a .xlsx or .csv file (templates: /registry/imports/)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--partial", action="store_true", help="import the good rows even when some are bad")
        parser.add_argument("--as", dest="username",
                            help="act as this user (scope, audit); default: the first active superuser")
        parser.add_argument("--errors-out", type=Path,
                            help="write the file annotated with an error column here (same format as FILE)")

    def handle(self, *args, kind: str, file: Path, partial: bool, username: str | None,
               errors_out: Path | None, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        user = self._actor(username)
        console = Console(stderr=True)
        annotate_to = (lambda fmt: errors_out.with_suffix(f".{fmt}")) if errors_out else None
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=False) as progress:
            tasks = {}

            def notify(phase: str, done: int, total: int | None) -> None:
                if phase not in tasks:
                    tasks[phase] = progress.add_task(PHASES[phase], total=total)
                progress.update(tasks[phase], completed=done, total=max(total or 0, done))

            try:
                report = run_import(user, KINDS[kind], file, filename=file.name, partial=partial,
                                    annotate_to=annotate_to, progress=notify)
            except PermissionDenied as error:
                raise CommandError(str(error)) from None
            except DomainError as error:
                details = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
                raise CommandError(f"{error.message} {details}".strip()) from None
        self.stdout.write(
            f"{report.rows} rows: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.bad_rows} bad ({report.error_count} errors)"
            + ("" if report.written else "; nothing written")
        )
        if report.ignored_columns:
            self.stdout.write(f"Ignored columns: {', '.join(report.ignored_columns)}")
        if report.ok:
            return
        table = Table("行", "列", "原因", title=f"错误(前 {SHOWN_ERRORS} 处)")
        for error in report.errors[:SHOWN_ERRORS]:
            table.add_row(str(error.row), error.column, error.reason)
        console.print(table)
        if report.annotated_path:
            console.print(f"Annotated file: {report.annotated_path}")
        raise SystemExit(1)

    @staticmethod
    def _actor(username: str | None):
        users = get_user_model().objects.filter(is_active=True)
        user = users.filter(username=username).first() if username else users.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError(f"No active user {username!r}." if username else
                               "No active superuser: name the importing user with --as USERNAME.")
        return user
