"""Detection report: precision and recall per rule, from alerts against the simulator's labels.

An alert matches a label when it is on the same device, for the label's rule (or a rule the
label names as also seeing the fault, there or on a device the label names), and its time span overlaps the label's span extended by
the rule's grace (how long a fault stays visible to a windowed rule after it ended).
Recall counts labels of a rule hit by at least one alert of that rule; precision counts alerts
of a rule that hit at least one label.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Mapping

from jiliang.monitoring.rules.types import Finding
from jiliang.monitoring.simulation.faults import Label


@dataclass(frozen=True)
class AlertSpan:
    device_id: str
    rule_code: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class RuleScore:
    rule_code: str
    labels: int
    detected: int
    alerts: int
    true_alerts: int

    @property
    def missed(self) -> int:
        """Labelled faults no alert of the rule found (false negatives)."""
        return self.labels - self.detected

    @property
    def false_alerts(self) -> int:
        """Alerts of the rule on no labelled fault it or a related rule should see (false positives)."""
        return self.alerts - self.true_alerts

    @property
    def recall(self) -> float | None:
        return self.detected / self.labels if self.labels else None

    @property
    def precision(self) -> float | None:
        return self.true_alerts / self.alerts if self.alerts else None


def alert_spans(findings: Iterable[Finding], merge_gap: timedelta) -> list[AlertSpan]:
    """Findings of one (rule, device) no further apart than merge_gap form one alert, as de-duplication would."""
    times: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for f in findings:
        times[(f.rule_code, f.device_id)].append(f.time)
    spans = []
    for (rule_code, device_id), moments in sorted(times.items()):
        moments.sort()
        start = end = moments[0]
        for moment in moments[1:]:
            if moment - end > merge_gap:
                spans.append(AlertSpan(device_id, rule_code, start, end))
                start = moment
            end = moment
        spans.append(AlertSpan(device_id, rule_code, start, end))
    return spans


def matches(alert: AlertSpan, label: Label, grace: timedelta, *, primary_only: bool = False) -> bool:
    rules = (label.rule_code,) if primary_only else (label.rule_code, *label.related)
    related_device = not primary_only and alert.device_id in label.related_devices and alert.rule_code in label.related
    return (
        (alert.device_id == label.device_id or related_device)
        and alert.rule_code in rules
        and alert.start <= label.end + grace
        and alert.end >= label.start
    )


def score(alerts: Iterable[AlertSpan], labels: Iterable[Label], grace: Mapping[str, timedelta] | None = None) -> dict[str, RuleScore]:
    """RuleScore per rule code seen in alerts or labels."""
    grace = grace or {}
    alerts, labels = list(alerts), list(labels)
    labels_on: dict[str, list[Label]] = defaultdict(list)
    for label in labels:
        for device_id in {label.device_id, *label.related_devices}:
            labels_on[device_id].append(label)
    codes = {a.rule_code for a in alerts} | {label.rule_code for label in labels}
    scores = {}
    for code in sorted(codes):
        rule_grace = grace.get(code, timedelta(0))
        rule_alerts = [a for a in alerts if a.rule_code == code]
        rule_labels = [label for label in labels if label.rule_code == code]
        detected = sum(
            1 for label in rule_labels
            if any(matches(a, label, rule_grace, primary_only=True) for a in rule_alerts if a.device_id == label.device_id)
        )
        true_alerts = sum(1 for a in rule_alerts if any(matches(a, label, rule_grace) for label in labels_on[a.device_id]))
        scores[code] = RuleScore(code, len(rule_labels), detected, len(rule_alerts), true_alerts)
    return scores


def false_alarms_per_device_day(scores: Mapping[str, RuleScore], devices: int, period: timedelta) -> float | None:
    """Alerts on no labelled fault, per monitored device and day of the period: the figure a
    regulator's inbox feels (issue 15's bar: at most 0.05)."""
    days = period / timedelta(days=1)
    if devices <= 0 or days <= 0:
        return None
    return sum(s.false_alerts for s in scores.values()) / (devices * days)

