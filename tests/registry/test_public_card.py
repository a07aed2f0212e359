"""The public ID card (/i/<code>) and the printable label: registered or not, and nothing personal."""

import re

from jiliang.registry import public_code


def test_the_public_page_shows_the_instrument_and_no_personal_data(client, make_organization, make_site,
                                                                      make_instrument):
    organization = make_organization(
        "511921101", name="通江县张三加油站", legal_representative="张三", contact_name="李四",
        contact_phone="13812345678",
    )
    site = make_site(organization, name="张三的加油站", address="通江县诺江镇幸福路 8 号")
    instrument = make_instrument(site=site, serial_no="ZX-2024-0001")
    response = client.get(f"/i/{instrument.public_code}")
    assert response.status_code == 200
    page = response.content.decode()
    for shown in ("燃油加油机", "ZX-2024-0001", "通江县", "加油(气)站", "在用", "尚未记录检定信息"):
        assert shown in page
    for hidden in ("张三", "李四", "138", "5678", "幸福路", organization.uscc):
        assert hidden not in page
    assert not re.search(r"1[3-9]\d{9}", page)


def test_a_mistyped_or_unknown_code_says_not_registered(client, make_organization, make_instrument):
    instrument = make_instrument(make_organization())
    lower = instrument.public_code.lower()
    assert client.get(f"/i/{lower}").status_code == 200  # what people type still finds it
    body = public_code.ALPHABET[0] * 10
    unknown = body + public_code.check_character(body)
    for code in (unknown, "NOT-A-CODE", instrument.public_code[:-1] + "?"):
        response = client.get(f"/i/{code}")
        assert response.status_code == 404
        assert "未查询到登记信息" in response.content.decode()


def test_the_qr_code_is_served_locally_as_svg_and_the_label_page_has_no_inline_script(
    client, make_organization, make_instrument, city_regulator, browser_client
):
    instrument = make_instrument(make_organization())
    qr = client.get(f"/i/{instrument.public_code}/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert qr.content.lstrip().startswith(b"<?xml") or b"<svg" in qr.content[:200]
    label = browser_client(city_regulator).get(f"/registry/instruments/{instrument.pk}/label/").content.decode()
    assert f"/i/{instrument.public_code}/qr.svg" in label
    assert public_code.grouped(instrument.public_code) in label
    assert "<script>" not in label and "onclick" not in label and "style=" not in label
