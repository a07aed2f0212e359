"""`jiliang draw verify PLAN`: recompute a published draw and say whether it matches.

    jiliang draw verify 12                 # from this installation's database and log
    jiliang draw verify --file draw.json   # offline, from /api/v1/public/draws/12 saved to a file

From the database it checks the inputs' digest, the commitment's entry on the log, that the seed's
checkpoint is the first signed after it, and the draw itself; from a file, the digest and the
draw (checking the log is `jiliang log verify-receipt`'s job). Exit status 0 on a match, 1 if not.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jiliang.supervision import draw as draws
from jiliang.supervision import selectors

CHECK_LABELS = {"inputs": "inputs digest", "log": "commitment on the log", "checkpoint": "seed checkpoint",
                "draw": "draw recomputed"}


class Command(BaseCommand):
    help = "Verify a double-random draw from its public data."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        verify = commands.add_parser("verify", help="recompute a draw and compare")
        verify.add_argument("plan", nargs="?", type=int, help="plan id")
        verify.add_argument("--file", type=Path, help="a saved /api/v1/public/draws/PLAN document")

    def handle(self, *args, action, plan=None, file=None, **options):
        if (plan is None) == (file is None):
            raise CommandError(_("请给出计划编号或 --file 其中之一。"))
        checks = self._from_file(file) if file else self._from_database(plan)
        for name, held in checks:
            self.stdout.write(f"{CHECK_LABELS[name]}: {'ok' if held else 'FAILED'}")
        match = all(held for _, held in checks)
        self.stdout.write("match" if match else "no match")
        if not match:
            raise SystemExit(1)

    def _from_database(self, plan: int) -> list[tuple[str, bool]]:
        record = selectors.public_draws().filter(plan_id=plan).first()
        if record is None:
            raise CommandError(_("计划 %(plan)s 没有已完成的抽取。") % {"plan": plan})
        return selectors.verify_draw(record).checks

    def _from_file(self, path: Path) -> list[tuple[str, bool]]:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            inputs, checkpoint, result = document["inputs"], document["checkpoint_text"], document["result"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CommandError(_("无法读取抽取文件：%(error)s") % {"error": error}) from None
        inputs_sha256 = draws.document_digest(inputs)
        return [("inputs", inputs_sha256 == document.get("inputs_sha256")),
                ("draw", draws.verify(inputs, checkpoint, result or {}, inputs_sha256))]
