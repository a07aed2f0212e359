"""The verification regulations (检定规程) a catalogue or MPE row cites, as a reader needs them.

The reference rows keep their research wording ("JJG 539-2016 数字指示秤 (in force 2017-05-30);
JJG 1204-2025 ... in force 2027-01-08", "JJG 579 (edition unverified)"); pages show the regulation
numbers with their Chinese titles, and the admin reads the full text with its sources. Pure logic,
no Django."""

import re

_REFERENCE = re.compile(
    r"JJ[GF](?:\([^)]*\))?\s?\d+(?:\.\d+)?(?:-\d{4})?"  # JJG 443-2023, JJG(京)177-2025, JJF 1001
    r"(?:\s?[\u4e00-\u9fff][\u4e00-\u9fff、()（）]*)?"  # its Chinese title, (试行) included
)
UNVERIFIED = "未核实"


def regulation_references(text: str) -> str:
    """The cited regulations, "；"-separated; research text without one reads 未核实."""
    found = []
    in_force = re.split(r"replace", text or "", flags=re.IGNORECASE)[0]  # not the editions it replaced
    for match in _REFERENCE.finditer(in_force):
        reference = match.group(0).strip()
        if reference not in found:
            found.append(reference)
    if found:
        return "；".join(found)
    return UNVERIFIED if (text or "").strip() else ""
