"""The deadlines and legal bases in force: the data files' defaults (``data/deadlines.json``,
``data/legal_basis.csv``) with the city regulator's edits (DeadlineSetting and LegalBasisSetting
rows) over them. A value keeps its data file's citation and confidence; the row tells who edited it."""

from dataclasses import replace
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jiliang.enforcement import deadlines, legal_basis
from jiliang.enforcement.models import DeadlineSetting, LegalBasisSetting

DEADLINE_LABELS = {
    ("complaint", "acknowledge"): _("投诉举报：受理期限"),
    ("complaint", "handling"): _("投诉举报：核查处理期限"),
    ("complaint", "reply"): _("投诉举报：告知举报人期限"),
    ("complaint", "remind_before"): _("投诉举报：期限前提醒"),
    ("case", "filed"): _("案件：立案期限"),
    ("case", "hearing"): _("案件：申请听证期限"),
    ("case", "decided"): _("案件：作出决定期限"),
    ("case", "enforcing"): _("案件：送达决定书期限"),
    ("case", "publication"): _("案件：处罚信息公示期限"),
}
UNIT_LABELS = {"working_days": _("工作日"), "days": _("自然日")}
CONFIDENCE_LABELS = {"high": _("已核实"), "medium": _("二手来源"), "unverified": _("待核实")}


# Every complaint filed reads the deadlines: the edits are kept in the cache (shared by the processes
# with JILIANG_REDIS_URL, else each process's own for at most EDITS_SECONDS after an edit).
EDITS_KEY = "enforcement:deadline-edits"
EDITS_SECONDS = 60


def deadline_rules() -> deadlines.Table:
    edits = cache.get(EDITS_KEY)
    if edits is None:
        edits = list(DeadlineSetting.objects.values_list("group", "name", "n", "extension"))
        cache.set(EDITS_KEY, edits, EDITS_SECONDS)
    table = {group: dict(rules) for group, rules in deadlines.defaults().items()}
    for group, name, n, extension in edits:
        if name in table.get(group, {}):
            table[group][name] = replace(table[group][name], n=n, extension=extension)
    return table


def forget_deadline_edits() -> None:
    """After an edit: now for this transaction's later reads, and at commit for every process's."""
    cache.delete(EDITS_KEY)
    transaction.on_commit(lambda: cache.delete(EDITS_KEY))


def bases() -> dict[str, legal_basis.Basis]:
    table = dict(legal_basis.defaults())
    for row in LegalBasisSetting.objects.all():
        if row.key in table:
            table[row.key] = replace(
                table[row.key], title=row.title, law_article=row.law_article, rules_article=row.rules_article,
                warning=row.warning, confiscation=row.confiscation, fine_min=row.fine_min, fine_max=row.fine_max,
                fine_note=row.fine_note)
    return table


# What a version token (``jiliang.concurrency``) of a reference value is taken of: the values in force
# as an unsaved row, read from the database (not the cache) so that a stale edit is always seen.
# Amounts are kept to the cent, as a stored row has them: saving a default unchanged changes nothing.
CENT = Decimal("0.01")


def deadline_in_force(group: str, name: str) -> DeadlineSetting:
    rule = deadlines.defaults()[group][name]
    row = DeadlineSetting.objects.filter(group=group, name=name).first()
    return DeadlineSetting(group=group, name=name, n=row.n if row else rule.n,
                           extension=row.extension if row else rule.extension)


def basis_in_force(key: str) -> LegalBasisSetting:
    current = LegalBasisSetting.objects.filter(key=key).first() or legal_basis.defaults()[key]
    return LegalBasisSetting(
        key=key, title=current.title, law_article=current.law_article, rules_article=current.rules_article,
        warning=current.warning, confiscation=current.confiscation, fine_min=current.fine_min.quantize(CENT),
        fine_max=current.fine_max.quantize(CENT), fine_note=current.fine_note)
