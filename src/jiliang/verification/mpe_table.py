"""Reading the cited MPE table (data/mpe.csv) into MpeRule field values. Pure, no Django.

The file is the reference table (../shared/reference/mpe.csv) with five columns added in front:
``key`` (a stable id), ``type_codes`` (the catalogue codes it applies to), ``clause``, ``error_basis``
and ``active`` (no for superseded editions, requirements that are not an MPE, and blank rows). The
``mpe`` text is parsed here: "±0.30" and "0.10" with a "(max)" unit are symmetric limits, "-4.0 to
+1.0" an asymmetric zone, a blank an unknown value that the city regulator fills in later.
"""

import csv
import re
from decimal import Decimal
from pathlib import Path

MPE_FILE = Path(__file__).resolve().parent / "data" / "mpe.csv"
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s+to\s+({_NUMBER})")
_SYMMETRIC = re.compile(r"^\s*±?\s*(\d+(?:\.\d+)?)")


def parse_mpe(text: str) -> tuple[Decimal | None, Decimal | None]:
    """(lower, upper) of an MPE as the table writes it, or (None, None) when it gives none."""
    found = _RANGE.match(text)
    if found:
        return Decimal(found.group(1)), Decimal(found.group(2))
    found = _SYMMETRIC.match(text)
    if found:
        limit = Decimal(found.group(1))
        return -limit, limit
    return None, None


# The researched "applies to" wording and the verification kind it names (models.RuleKind's codes);
# any other wording ("verification", "all") names both first and subsequent verification.
RULE_KINDS = {"first verification": "first", "subsequent verification": "subsequent", "in-service": "in_use"}


def rule_kind(applies_to: str) -> str:
    return RULE_KINDS.get(applies_to.strip(), "any")


def normalise_unit(text: str) -> str:
    return text.replace("(max)", "").strip()


def mpe_rows(path: Path = MPE_FILE) -> list[dict]:
    """The file's rows as MpeRule field values, plus ``type_codes`` (a list) for the many-to-many."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    result = []
    for row in rows:
        lower, upper = parse_mpe(row["mpe"])
        result.append({
            "key": row["key"],
            "type_codes": row["type_codes"].split(),
            "regulation": row["regulation"],
            "clause": row["clause"],
            "accuracy_class": row["accuracy_class"],
            "quantity": row["quantity"] or row["instrument_en"],
            "condition": row["range_or_condition"],
            "error_basis": row["error_basis"],
            "unit": normalise_unit(row["mpe_unit"]),
            "lower": lower,
            "upper": upper,
            "applies_to": row["applies_to"],
            "verification_kind": rule_kind(row["applies_to"]),
            "source": row["source"],
            "confidence": row["confidence"],
            "notes": row["notes"],
            "active": row["active"] == "yes" and lower is not None,
        })
    return result


def load_mpe_rules(rule_model, type_model, path: Path = MPE_FILE) -> int:
    """Create the rules the database lacks; never overwrite a row the regulator may have edited.
    Columns the model does not have yet (an earlier migration's model) are left out."""
    existing = set(rule_model.objects.values_list("key", flat=True))
    columns = {field.name for field in rule_model._meta.get_fields()}
    types = {t.code: t for t in type_model.objects.all()}
    created = 0
    for row in mpe_rows(path):
        if row["key"] in existing:
            continue
        codes = row.pop("type_codes")
        rule = rule_model.objects.create(**{name: value for name, value in row.items() if name in columns})
        rule.instrument_types.set([types[code] for code in codes if code in types])
        created += 1
    return created
