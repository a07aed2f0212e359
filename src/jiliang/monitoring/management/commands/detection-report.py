"""`jiliang detection-report --labels FILE`: precision and recall per rule of the stored alerts
against the simulator's labels (monitoring/scoring.py)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from jiliang.monitoring import engine
from jiliang.monitoring.models import Alert
from jiliang.monitoring.rules.registry import RULES
from jiliang.monitoring.scoring import AlertSpan, score
from jiliang.monitoring.simulation import read_labels


class Command(BaseCommand):
    help = "Score alerts against simulation labels: precision and recall per rule."

    def add_arguments(self, parser):
        parser.add_argument("--labels", required=True)
        parser.add_argument("--min", type=float, default=0.95, help="the acceptance bar to mark")

    def handle(self, *args, labels: str, **options):
        try:
            with open(labels, encoding="utf-8") as source:
                truth = read_labels(source)
        except OSError as error:
            raise CommandError(str(error)) from error
        if not truth:
            raise CommandError("no labels in the file")
        start = min(label.start for label in truth) - dt.timedelta(days=1)
        spans = [
            AlertSpan(code, rule, opened, cleared or seen)
            for code, rule, opened, seen, cleared in Alert.objects.filter(opened_at__gte=start).values_list(
                "device__code", "rule_code", "opened_at", "last_seen_at", "cleared_at")
        ]
        book, _ = engine.current_rules()
        grace = {code: spec.window_length(book) for code, spec in RULES.items()}
        self.stdout.write(f"{'rule':6} {'labels':>6} {'found':>6} {'recall':>7} {'alerts':>7} {'true':>6} {'precision':>9}")
        for code, result in score(spans, truth, grace).items():
            recall = "—" if result.recall is None else f"{result.recall:.3f}"
            precision = "—" if result.precision is None else f"{result.precision:.3f}"
            below = any(v is not None and v < options["min"] for v in (result.recall, result.precision))
            line = (f"{code:6} {result.labels:>6} {result.detected:>6} {recall:>7} {result.alerts:>7} "
                    f"{result.true_alerts:>6} {precision:>9}")
            self.stdout.write(self.style.WARNING(line) if below else line)
