"""`jiliang load-divisions FILE`: another city's administrative divisions (GB/T 2260 codes).

The file has the columns of accounts/data/bazhong_divisions.csv (code, name_zh, level,
parent_code; optionally name_en, code_system, source). Every row is checked first and every bad
row reported; then all rows are created or updated in one transaction, each audited. Set
JILIANG_CITY_DIVISION_CODE to the new city's code afterwards.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jiliang.accounts import audit
from jiliang.accounts.divisions import DEPTH, division_row_errors, load_division_rows, read_division_file
from jiliang.accounts.models import Division

ACTOR = "jiliang load-divisions"


class Command(BaseCommand):
    help = "Load or update administrative divisions from a CSV file (GB/T 2260 codes)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            rows = read_division_file(file)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{file}: {error}") from None
        errors = division_row_errors(rows, set(Division.objects.values_list("code", flat=True)))
        if errors:
            lines = [f"  第 {line} 行：{'；'.join(problems)}" for line, problems in sorted(errors.items())]
            raise CommandError(f"{file}：{len(errors)} 行有误，未导入任何区划：\n" + "\n".join(lines))
        rows = sorted(({k: (v or "").strip() for k, v in row.items()} for row in rows), key=lambda r: DEPTH[r["level"]])
        with transaction.atomic():
            before = {d.code: audit.snapshot(d) for d in Division.objects.filter(code__in=[r["code"] for r in rows])}
            load_division_rows(Division, rows)
            for division in Division.objects.filter(code__in=[r["code"] for r in rows]):
                action = "division.update" if division.code in before else "division.create"
                audit.record(ACTOR, action, division, before=before.get(division.code),
                             after=audit.snapshot(division), division=division)
        self.stdout.write(self.style.SUCCESS(f"{len(rows)} division(s) loaded from {file}"))
