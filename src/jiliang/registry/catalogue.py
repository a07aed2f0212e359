"""Loading the instrument type catalogue from its cited data file (data/mandatory_instruments.csv).

The file keeps each row's source and confidence; periods marked unverified are loaded as they are,
as defaults the city regulator edits, and are never used as fixed validation constants.
"""

import csv
from pathlib import Path

CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "mandatory_instruments.csv"
MODES = {"periodic", "initial_only_scrap", "initial_only_limited_life", "unverified"}


def catalogue_rows(path: Path = CATALOGUE_FILE) -> list[dict]:
    """The file's rows as InstrumentType field values."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        {
            "code": row["id"],
            "name_zh": row["name_zh"],
            "name_en": row["name_en"],
            "category": row["catalogue_item_zh"],
            "catalogue_status": row["catalogue_status"],
            "regulation": row["verification_regulation"],
            "verification_mode": row["verification_mode"] if row["verification_mode"] in MODES else "unverified",
            "verification_interval_months": int(row["period_or_service_life_months"])
            if row["period_or_service_life_months"].strip() else None,
            "period_note": row["period_note"],
            "typical_scope": row["typical_scope"],
            "source": row["source"],
            "confidence": row["confidence"],
            "notes": row["notes"],
        }
        for row in rows
    ]


def load_catalogue(instrument_type_model, path: Path = CATALOGUE_FILE) -> int:
    """Create the types the database lacks; never overwrite a row the regulator may have edited."""
    existing = set(instrument_type_model.objects.values_list("code", flat=True))
    missing = [instrument_type_model(**row) for row in catalogue_rows(path) if row["code"] not in existing]
    instrument_type_model.objects.bulk_create(missing)
    return len(missing)
