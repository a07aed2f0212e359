"""Property tests of the pure document renderers: whatever text and numbers a certificate holds
(markup characters, controls, any script, any decimal), the DCC validates against the official
schema and the PDF renders with the text readable back."""

import datetime
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from jiliang.verification.documents import dcc, pdf
from jiliang.verification.documents.contents import (
    Authorisation, CertificateContents, Item, Party, Point, StandardUsed, xml_text,
)

text = st.text(max_size=30)
decimals = st.decimals(min_value=-10**6, max_value=10**6, places=6, allow_nan=False, allow_infinity=False)
units = st.one_of(st.sampled_from(sorted(dcc.UNITS)), st.text(max_size=4))
kinds = st.sampled_from([("verification", "pass"), ("failure_notice", "fail"), ("calibration", "calibrated")])

points = st.builds(
    Point, position=st.integers(1, 999), quantity=text, nominal=st.none() | decimals, indicated=st.none() | decimals,
    unit=units, error=decimals, error_unit=units, expanded_uncertainty=decimals.map(abs),
    coverage_factor=st.decimals(min_value=1, max_value=4, places=2), mpe_lower=st.none() | decimals,
    mpe_upper=st.none() | decimals, conforms=st.none() | st.booleans(),
)


@st.composite
def certificates(draw):
    kind, conclusion = draw(kinds)
    return CertificateContents(
        number=draw(text), kind=kind, kind_zh=draw(text), verification_kind_zh=draw(text),
        issued_on=draw(st.dates()), performed_on=draw(st.dates()), valid_until=draw(st.none() | st.dates()),
        institution=Party(draw(text), draw(text), draw(text)),
        authorisations=draw(st.lists(st.builds(Authorisation, text, text), max_size=2)),
        customer=Party(draw(text), draw(text), draw(text)),
        item=Item(*(draw(text) for _ in range(8))), regulation=draw(text), conclusion=conclusion,
        conclusion_zh=draw(text), decision_rule=draw(st.sampled_from(sorted(dcc.DECISION_RULES_EN))),
        decision_rule_zh=draw(text), near_limit=draw(st.booleans()),
        verifier=draw(text), checker=draw(text), approver=draw(text),
        standards=draw(st.lists(st.builds(StandardUsed, text, text, text, text, text,
                                          st.none() | st.dates(), text), max_size=3)),
        points=draw(st.lists(points, max_size=6)),
        temperature_c=draw(st.none() | decimals), humidity_pct=draw(st.none() | decimals),
        environment_note=draw(text), remarks=draw(text), supersedes=draw(text),
        check_url=draw(st.sampled_from(["", "https://jiliang.example.cn/i/BZ7Q4M2K"])),
    )


@settings(max_examples=150, deadline=None)
@given(certificates())
def test_every_certificate_makes_a_dcc_the_official_schema_accepts(contents):
    dcc.validate(dcc.build(contents))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(certificates(), st.text(alphabet="巴中<>&\"'计量 ab", min_size=1, max_size=12))
def test_every_certificate_makes_a_pdf_that_reads_back(contents, name):
    contents = CertificateContents(**{**contents.__dict__, "customer": Party(name)})
    data = pdf.render(contents)
    page = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "".join(xml_text(name).split()) in "".join(page.split())  # Paragraph folds white space


def test_a_missing_date_prints_as_a_dash():
    assert pdf._date(None) == "—" and pdf._date(datetime.date(2026, 1, 2)) == "2026 年 01 月 02 日"
