"""`jiliang backup [--output-dir DIR]`: one encrypted file with everything a restore needs (docs/deployment.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiliang.operations.backups import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database, the log's keys, the secret key and the uploads, encrypted."

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", type=Path, help="default JILIANG_BACKUP_DIR")

    def handle(self, *args, output_dir: Path | None, **options):
        try:
            path = create_backup(output_dir or settings.JILIANG_BACKUP_DIR)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{path} ({path.stat().st_size} bytes)")
