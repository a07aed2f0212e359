"""`jiliang restore FILE`: restore a backup into this installation's new, empty database, then
check the row counts and verify the transparency log with the backup's keys (docs/deployment.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiliang.operations.backups import BackupError, restore_backup
from jiliang.sealing import SealError


class Command(BaseCommand):
    help = "Restore a `jiliang backup` file into an empty database and verify it."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--extract-secrets", type=Path, metavar="DIR",
                            help="when the secret key differs: write the backup's secrets to DIR (0600) and stop")

    def handle(self, *args, file: Path, extract_secrets: Path | None, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such backup file")
        try:
            report = restore_backup(file, extract_secrets)
        except (BackupError, SealError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(
            f"restored {sum(report.counts.values())} rows in {len(report.counts)} tables; "
            f"the transparency log verifies ({report.log_size} entries)"
        ))
