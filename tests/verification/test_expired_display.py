"""Issue 12, defect 10: an expired certificate or calibration is not shown as 有效."""

from jiliang.verification.models import Certificate, StandardCalibration

from .conftest import days


def _expire(certificate, on):
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=on)  # as time passing would
    return Certificate.objects.get(pk=certificate.pk)


def test_an_expired_certificate_reads_expired_in_the_instrument_history(world, browser_client):
    certificate = _expire(world.record(), days(-1))
    page = browser_client(world.owner).get(f"/registry/instruments/{world.instrument.pk}/").content.decode()
    row = page[page.index(f">{certificate.number}</a>"):]
    row = row[:row.index("</tr>")]
    assert f"已过期(有效期至 {days(-1).isoformat()})" in row
    assert "<td>有效</td>" not in row


def test_an_expired_certificate_reads_expired_in_the_list_and_on_its_page(world, browser_client):
    certificate = _expire(world.record(), days(-1))
    client = browser_client(world.owner)
    [row] = client.get("/verification/certificates/").context["rows"]
    assert row["cells"][2] == f"已过期(有效期至 {days(-1).isoformat()})"
    fields = dict(client.get(f"/verification/certificates/{certificate.pk}/").context["fields"])
    assert fields["状态"] == f"已过期(有效期至 {days(-1).isoformat()})"


def test_a_certificate_in_force_still_reads_valid(world):
    assert world.record().status_on(days(0)) == "有效"


def test_a_link_valid_when_used_but_expired_since_says_so(world, browser_client):
    world.record()  # performed ten days ago with the standard calibrated until days(165)
    StandardCalibration.objects.filter(standard=world.standard).update(valid_until=days(-5))
    response = browser_client(world.city).get(f"/verification/instruments/{world.instrument.pk}/chain/",
                                              {"on": days(-10).isoformat()})
    text = response.content.decode()
    assert f"使用时有效({days(-10).isoformat()})，已于 {days(-5).isoformat()} 过期" in text
