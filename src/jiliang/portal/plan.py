"""The plan the platform serves, as data: 巴府发〔2023〕7号's 18 key tasks and 4 safeguards with their lead and
supporting departments, targets and the section each comes from (data/plan_2023.json). Pure: no Django."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "plan_2023.json"


@dataclass(frozen=True)
class PlanTask:
    key: str  # "T1".."T18" (重点任务), "S1".."S4" (保障措施)
    number: int
    kind: str  # "task" or "safeguard"
    group: str
    title: str
    text: str
    lead: tuple[str, ...]
    supporting: tuple[str, ...]
    targets: tuple[str, ...]
    indicators: tuple[str, ...]  # keys of tracker.INDICATORS computed live from the platform's data
    source: str

    def involves(self, department: str) -> bool:
        """Whether ``department`` leads or supports this task (a department's reporter reports on these)."""
        return department in self.lead or department in self.supporting


@dataclass(frozen=True)
class Plan:
    document: str
    number: str
    issued_on: str
    goals: tuple[str, ...]
    tasks: tuple[PlanTask, ...]

    def task(self, key: str) -> PlanTask | None:
        return next((task for task in self.tasks if task.key == key), None)

    def tasks_of(self, department: str) -> tuple[PlanTask, ...]:
        return tuple(task for task in self.tasks if task.involves(department))

    def departments(self) -> tuple[str, ...]:
        """The departments named as lead or supporting, in the plan's order of first mention; collective
        names ("各有关部门(单位)", "各县(区)人民政府……") are not one department that could hold an account."""
        names = (name for task in self.tasks for name in (*task.lead, *task.supporting))
        return tuple(dict.fromkeys(name for name in names if not name.startswith("各")))


@cache
def plan() -> Plan:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    tasks = tuple(
        PlanTask(**{**row, **{name: tuple(row[name]) for name in ("lead", "supporting", "targets", "indicators")}})
        for row in raw["tasks"]
    )
    return Plan(raw["document"], raw["number"], raw["issued_on"], tuple(goal["text"] for goal in raw["goals"]), tasks)
