"""Issue 12, defect 2: a date shown in a form comes back unchanged when the form is posted unchanged.

The browser's date input accepts only ISO values and shows anything else (``2028/12/05``, the
zh-hans input format) as empty, so these tests post what a browser would: the rendered value when
it is ISO, nothing otherwise."""

import re
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from jiliang.registry.models import Instrument, InstrumentStatus
from jiliang.verification.models import Certificate, MeasurementStandard

from .conftest import days

ISO = {"date": re.compile(r"\d{4}-\d{2}-\d{2}"), "datetime-local": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")}


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.dates = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in ISO:
            value = attrs.get("value") or ""
            self.dates[attrs["name"]] = value if ISO[attrs["type"]].fullmatch(value) else ""


def as_browser_posts(response) -> dict:
    """The form's values as a browser posts them after showing the page."""
    form = response.context.get("form") or response.context["listing"].filter_form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    points = response.context.get("points")  # the record form's table of test points
    if points is not None:
        data |= {f"{points.prefix}-TOTAL_FORMS": str(len(points.forms)), f"{points.prefix}-INITIAL_FORMS": str(points.initial_form_count())}
        for row in points.forms:
            data |= {row.add_prefix(name): "" if row[name].value() is None else row[name].value()
                     for name in row.fields}
    parser = _Inputs()
    parser.feed(response.content.decode())
    assert parser.dates, "the page has no date input"
    return {**data, **parser.dates}


def test_editing_a_standard_unchanged_keeps_its_approval_expiry(world, browser_client):
    url = f"/verification/standards/{world.standard.pk}/edit/"
    client = browser_client(world.city)
    data = as_browser_posts(client.get(url))
    assert data["approval_valid_until"] == days(1000).isoformat()
    assert client.post(url, data).status_code == 302
    assert MeasurementStandard.objects.get(pk=world.standard.pk).approval_valid_until == days(1000)


def test_the_record_form_offers_today_as_the_verification_date(world, browser_client):
    data = as_browser_posts(browser_client(world.verifier).get("/verification/records/new/"))
    assert data["performed_on"] == timezone.localdate().isoformat()


def test_a_correction_keeps_the_original_verification_date(world, browser_client):
    certificate = world.record()
    url = f"/verification/certificates/{certificate.pk}/supersede/"
    client = browser_client(world.verifier)
    data = as_browser_posts(client.get(url))
    assert data["performed_on"] == days(-10).isoformat()
    response = client.post(url, {**data, "reason": "温度记录笔误"})
    assert response.status_code == 302, (response.context["form"].errors, response.context["points"].errors)
    replacement = Certificate.objects.get(supersedes=certificate)
    assert replacement.verification.performed_on == days(-10)


def test_a_status_change_offers_today_as_its_effective_date(world, browser_client):
    url = f"/registry/instruments/{world.instrument.pk}/status/"
    client = browser_client(world.city)
    data = as_browser_posts(client.get(url))
    assert data["effective_on"] == timezone.localdate().isoformat()
    assert client.post(url, {**data, "status": InstrumentStatus.OUT_OF_SERVICE, "reason": "停用"}).status_code == 302
    assert Instrument.objects.get(pk=world.instrument.pk).status_since == timezone.localdate()


@pytest.mark.parametrize("name", ["since", "until"])
def test_the_audit_filter_keeps_its_dates(name, world, browser_client):
    response = browser_client(world.city).get("/accounts/audit/", {name: "2026-03-01"})
    assert as_browser_posts(response)[name] == "2026-03-01"


def test_a_correction_keeps_the_dispensers_k_factor_and_the_record_page_shows_it(world, browser_client):
    from decimal import Decimal

    certificate = world.record(k_factor=Decimal("100.4821"))
    url = f"/verification/certificates/{certificate.pk}/supersede/"
    client = browser_client(world.verifier)
    data = as_browser_posts(client.get(url))
    assert Decimal(str(data["k_factor"])) == Decimal("100.4821")
    assert client.post(url, {**data, "reason": "温度记录笔误"}).status_code == 302
    replacement = Certificate.objects.get(supersedes=certificate)
    assert replacement.verification.k_factor == Decimal("100.4821")
    page = client.get(f"/verification/records/{replacement.verification.pk}/").content.decode()
    assert "脉冲当量 K（脉冲/升）" in page and "100.4821" in page
