"""`jiliang draw verify`: match for a real draw, no match for a tampered one, also from a saved file."""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from jiliang.supervision.models import Draw

pytestmark = pytest.mark.django_db


def _verify(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("draw", "verify", *args, stdout=out)
    except SystemExit as exit:
        return exit.code, out.getvalue()
    return 0, out.getvalue()


def test_verify_from_the_database_says_match_then_no_match_after_tampering(drawn_plan):
    code, out = _verify(str(drawn_plan.pk))
    assert code == 0 and out.strip().endswith("match") and "FAILED" not in out
    record = Draw.objects.get(plan=drawn_plan)
    record.result["drawn"][0]["inspectors"].reverse()
    record.save()
    code, out = _verify(str(drawn_plan.pk))
    assert code == 1 and "draw recomputed: FAILED" in out and out.strip().endswith("no match")


def test_verify_from_the_public_document_saved_to_a_file(drawn_plan, tmp_path):
    saved = tmp_path / "draw.json"
    saved.write_bytes(Client().get(f"/api/v1/public/draws/{drawn_plan.pk}").content)
    assert _verify("--file", str(saved))[0] == 0
    document = json.loads(saved.read_text())
    document["inputs"]["count"] = 1
    saved.write_text(json.dumps(document))
    assert _verify("--file", str(saved))[0] == 1
