"""Registry import through /api/v1/imports and the upload pages: the 422 error body, the annotated
sheet served only to its uploader, templates, the partial flag, roles."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from jiliang.accounts.models import Role
from jiliang.registry.codes import make_uscc
from jiliang.registry.models import Organization

GOOD = make_uscc("91", "511902", "MC000001")
BAD = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")


def sheet(*rows: str) -> SimpleUploadedFile:
    content = "\ufeff统一社会信用代码,单位名称,所属区划\n" + "".join(f"{row}\n" for row in rows)
    return SimpleUploadedFile("单位.csv", content.encode("utf-8"), content_type="text/csv")


def test_api_rejects_a_sheet_with_a_bad_row_with_every_error_and_writes_nothing(city_regulator, api_client):
    response = api_client(city_regulator).post(
        "/api/v1/imports/organizations", {"file": sheet(f"{GOOD},甲,511902", f"{BAD},乙,巴州区", "X,丙,511902")}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_rows" and body["fields"] == {} and "2 行有误" in body["message"]
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "统一社会信用代码"), (4, "统一社会信用代码")]
    assert "第 18 位应为" in body["errors"][0]["reason"]
    assert (body["rows"], body["created"], body["written"]) == (3, 0, False)
    assert not Organization.objects.exists()
    assert body["annotated_url"].startswith("http://testserver/api/v1/imports/annotated/")


def test_the_annotated_sheet_is_served_to_its_uploader_only(city_regulator, make_user, api_client):
    body = api_client(city_regulator).post("/api/v1/imports/organizations", {"file": sheet(f"{BAD},乙,511902")}).json()
    download = api_client(city_regulator).get(body["annotated_url"])
    assert download.status_code == 200
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "错误说明,统一社会信用代码,单位名称,所属区划"
    assert "第 18 位应为" in text.splitlines()[1]
    other = make_user(Role.CITY_REGULATOR, division="511900")
    assert api_client(other).get(body["annotated_url"]).status_code == 404
    assert api_client(city_regulator).get(body["annotated_url"][:-3] + "abc").status_code == 404


def test_api_partial_flag_and_idempotent_reimport(city_regulator, api_client):
    client = api_client(city_regulator)
    response = client.post("/api/v1/imports/organizations", {"file": sheet(f"{GOOD},甲,511902", f"{BAD},乙,511902"),
                                                               "partial": "true"})
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["bad_rows"], body["written"]) == (1, 1, True)
    again = client.post("/api/v1/imports/organizations", {"file": sheet(f"{GOOD},甲,511902")}).json()
    assert (again["created"], again["updated"], again["unchanged"], again["annotated_url"]) == (0, 0, 1, None)


def test_api_file_and_role_problems_are_clean_errors(city_regulator, auditor, api_client):
    missing = SimpleUploadedFile("x.csv", "单位名称\n甲\n".encode(), content_type="text/csv")
    response = api_client(city_regulator).post("/api/v1/imports/organizations", {"file": missing})
    assert response.status_code == 422
    assert response.json()["fields"] == {"统一社会信用代码": ["缺少必填列“统一社会信用代码”"],
                                         "所属区划": ["缺少必填列“所属区划”"]}
    assert api_client(auditor).post("/api/v1/imports/organizations", {"file": sheet()}).status_code == 403
    assert api_client(None).post("/api/v1/imports/organizations", {"file": sheet()}).status_code == 401
    assert api_client(city_regulator).post("/api/v1/imports/planets", {"file": sheet()}).status_code == 422
    assert api_client(city_regulator).post("/api/v1/imports/organizations", {}).status_code == 422


def test_templates_have_the_chinese_headers(city_regulator, api_client):
    client = api_client(city_regulator)
    response = client.get("/api/v1/imports/instruments/template", {"format": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    headers = [cell.value for cell in workbook.worksheets[0][1]]
    assert headers[:3] == ["公开码", "器具种类*", "出厂编号*"]
    assert workbook.worksheets[1].title == "填写说明"
    csv_text = b"".join(client.get("/api/v1/imports/sites/template", {"format": "csv"}).streaming_content)
    assert csv_text.decode("utf-8-sig").startswith("经营单位统一社会信用代码*,场所名称*,场所类型,")


def test_upload_page_shows_the_error_table_and_the_annotated_link(city_regulator, browser_client):
    client = browser_client(city_regulator)
    assert client.get("/registry/imports/").status_code == 200
    page = client.get("/registry/imports/organizations/")
    assert "上传并导入" in page.content.decode()
    response = client.post("/registry/imports/organizations/", {"file": sheet(f"{GOOD},甲,511902", f"{BAD},乙,511902")})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="import-errors"' in html
    assert "1 行有误，未导入任何数据" in html and "第 18 位应为" in html
    link = html.split('data-testid="annotated-link"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert client.get(link).status_code == 200
    assert not Organization.objects.exists()
    response = client.post("/registry/imports/organizations/",
                           {"file": sheet(f"{GOOD},甲,511902", f"{BAD},乙,511902"), "partial": "on"})
    assert "新增 1 条" in response.content.decode()
    assert client.get("/registry/imports/organizations/template.csv").status_code == 200


def test_upload_pages_follow_the_role(auditor, make_user, make_organization, browser_client):
    assert browser_client(auditor).get("/registry/imports/").status_code == 403
    owner_client = browser_client(make_user(Role.OWNER, organization=make_organization("511902")))
    index = owner_client.get("/registry/imports/").content.decode()
    assert "导入计量器具" in index and "导入使用单位" not in index
    assert owner_client.get("/registry/imports/organizations/").status_code == 403
    assert owner_client.get("/registry/imports/planets/").status_code == 404
