"""`jiliang detection-report --labels FILE`: precision and recall per rule of the stored alerts
against the simulator's labels (monitoring/scoring.py).

Per rule: labelled faults, those an alert of the rule found (TP) and missed (FN), the rule's alerts
and those on no labelled fault (FP), recall and precision. With the run's record beside the labels
(`simulate` writes it), a rule whose fault the simulated period cannot show is marked with the
reason instead of being scored.
"""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from jiliang.monitoring import engine
from jiliang.monitoring.models import Alert, Device, DeviceKind
from jiliang.monitoring.rules.common import CHINA_STANDARD_TIME
from jiliang.monitoring.rules.holidays import is_statutory_holiday
from jiliang.monitoring.rules.registry import RULES
from jiliang.monitoring.scoring import AlertSpan, false_alarms_per_device_day, score
from jiliang.monitoring.simulation import CATALOGUE, SimulationConfig, read_labels, run_record_path, sized
from jiliang.monitoring.simulation.families import FAMILIES, family_of


def history_needed(book) -> dict[str, tuple[dt.timedelta, bool]]:
    """Rule code -> the data it needs before its fault can show, and whether statutory holidays are
    left out of it: the families simulator's faults last as long as they do in the field, so only
    these rules' need decides whether the run can show them."""
    context = RULES["MT-01"].context
    return {
        "MT-01": (book.for_rule("MT-01").zero_days + context, False),
        "MT-07": (2 * book.for_rule("MT-07").minimum_days + context, True),
        "FD-08": (book.for_rule("FD-08").minimum_span, False),
    }


def unobservable(config: SimulationConfig | None) -> dict[str, str]:
    """Rule code -> why its fault cannot be seen in the simulated period."""
    if config is None:
        return {}
    days = config.duration / dt.timedelta(days=1)
    reasons = {}
    if config.generator == "families":
        day = config.start.astimezone(CHINA_STANDARD_TIME).date()
        holidays = sum(is_statutory_holiday(day + dt.timedelta(days=n)) for n in range(round(days)))
        for code, (needed, without_holidays) in history_needed(engine.current_rules()[0]).items():
            usable = days - (holidays if without_holidays else 0)
            if needed / dt.timedelta(days=1) >= usable:
                left_out = f" ({holidays} holiday days left out)" if without_holidays and holidays else ""
                reasons[code] = (f"not observable: needs more than {needed / dt.timedelta(days=1):g} d of data, "
                                 f"the run has {usable:g} d{left_out}")
        return reasons
    for code, kind in CATALOGUE.items():
        lead = sized(kind, config).lead
        if lead >= config.duration:
            reasons[code] = f"not observable: needs {lead / dt.timedelta(days=1):g} d of data, the run has {days:g} d"
    return reasons


class Command(BaseCommand):
    help = "Score alerts against simulation labels: TP, FP, FN, precision and recall per rule."

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
        record = run_record_path(labels)
        config = SimulationConfig.from_json(json.loads(record.read_text(encoding="utf-8"))) if record.exists() else None
        if config is not None:
            self.stdout.write(
                f"run: {config.generator} generator, seed {config.seed}, {config.start:%Y-%m-%d %H:%M%z} + {config.duration / dt.timedelta(days=1):g} d, "
                f"{config.stations} stations / {config.dispensers} dispensers, {config.charging_sites} charging sites x "
                f"{config.chargers_per_site} piles, {config.meters} meters every {config.meter_interval.total_seconds() / 60:g} min, "
                f"fault rate {config.fault_rate:g}, rule clock every {config.clock.total_seconds() / 60:g} min")
        start = min(label.start for label in truth) - dt.timedelta(days=1)
        spans = [
            AlertSpan(code, rule, opened, cleared or seen)
            for code, rule, opened, seen, cleared in Alert.objects.filter(opened_at__gte=start).values_list(
                "device__code", "rule_code", "opened_at", "last_seen_at", "cleared_at")
        ]
        book, _ = engine.current_rules()
        grace = {code: spec.window_length(book) for code, spec in RULES.items()}
        results = score(spans, truth, grace)
        reasons = unobservable(config)
        self.stdout.write(f"{'rule':6} {'labels':>6} {'TP':>4} {'FN':>4} {'alerts':>6} {'FP':>4} {'recall':>7} {'precision':>9}")
        for code in sorted(set(RULES) | set(results)):
            result = results.get(code)
            if result is None:
                self.stdout.write(f"{code:6} {'':>6} {'':>4} {'':>4} {'':>6} {'':>4} {'':>7} {'':>9}  "
                                  f"{reasons.get(code, 'no fault planned, no alert')}")
                continue
            recall = "—" if result.recall is None else f"{result.recall:.3f}"
            precision = "—" if result.precision is None else f"{result.precision:.3f}"
            below = code not in reasons and any(v is not None and v < options["min"] for v in (result.recall, result.precision))
            line = (f"{code:6} {result.labels:>6} {result.detected:>4} {result.missed:>4} {result.alerts:>6} "
                    f"{result.false_alerts:>4} {recall:>7} {precision:>9}")
            note = reasons.get(code) or ("" if result.labels else "no fault planned")
            line = f"{line}  {note}".rstrip()
            self.stdout.write(self.style.WARNING(line) if below else line)
        if config is not None:
            devices = Device.objects.exclude(kind=DeviceKind.GATEWAY).count()
            rate = false_alarms_per_device_day(results, devices, config.duration)
            if rate is not None:
                self.stdout.write(f"false alarms per device per day: {rate:.4f} ({devices} devices, "
                                  f"{config.duration / dt.timedelta(days=1):g} d; at most 0.05 wanted)")
        if config is not None and config.generator == "families":
            # A family's recall is over the faults the run can show.
            self._per_family(spans, [label for label in truth if label.rule_code not in reasons], grace, config, options["min"])

    def _per_family(self, spans, truth, grace, config, bar: float) -> None:
        """The same scores per behaviour family (the device code's first letters)."""
        codes = Device.objects.exclude(kind=DeviceKind.GATEWAY).values_list("code", flat=True)
        self.stdout.write(f"{'family':6} {'devices':>7} {'labels':>6} {'TP':>4} {'FN':>4} {'alerts':>6} {'FP':>4} "
                          f"{'recall':>7} {'precision':>9} {'FP/dev/day':>10}  behaviour")
        for family, behaviour in FAMILIES.items():
            members = sum(1 for code in codes if family_of(code) == family)
            results = score([s for s in spans if family_of(s.device_id) == family],
                            [label for label in truth if family_of(label.device_id) == family], grace)
            labels, detected = sum(r.labels for r in results.values()), sum(r.detected for r in results.values())
            alerts, true_alerts = sum(r.alerts for r in results.values()), sum(r.true_alerts for r in results.values())
            recall = detected / labels if labels else None
            precision = true_alerts / alerts if alerts else None
            rate = false_alarms_per_device_day(results, members, config.duration) or 0.0
            shown = ["—" if v is None else f"{v:.3f}" for v in (recall, precision)]
            line = (f"{family:6} {members:>7} {labels:>6} {detected:>4} {labels - detected:>4} {alerts:>6} "
                    f"{alerts - true_alerts:>4} {shown[0]:>7} {shown[1]:>9} {rate:>10.4f}  {behaviour}")
            below = any(v is not None and v < bar for v in (recall, precision)) or rate > 0.05
            self.stdout.write(self.style.WARNING(line) if below else line)
