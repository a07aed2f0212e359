"""The public certificate check (/check/, /api/v1/public/certificate-check), no sign-in: each state,
no oracle for numbers, throttled wrong answers, masked individual owners, and the receipt that
`jiliang log verify-receipt` checks offline."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.test.signals import template_rendered
from hypothesis import given
from hypothesis import strategies as st

from jiliang.ledger import sequencer
from jiliang.registry.models import Organization
from jiliang.verification import check_codes, public_check, services
from jiliang.verification.models import Certificate

from .conftest import point

API = "/api/v1/public/certificate-check"


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def ask_api(number, code, client=None):
    return (client or Client()).get(API, {"number": number, "code": code})


def ask_page(number, code, client=None):
    return (client or Client()).get("/check/", {"number": number, "code": code})


def code(certificate):
    return public_check.code_of(certificate.number)


# --- check codes (pure) ----------------------------------------------------------------------------

@given(st.binary(min_size=1, max_size=64), st.text(min_size=1, max_size=40))
def test_a_check_code_is_eight_unambiguous_characters_and_matches_itself_however_typed(secret, number):
    value = check_codes.check_code(secret, number)
    assert len(value) == 8 and set(value) <= set(check_codes.ALPHABET)
    assert check_codes.matches(secret, number, value)
    assert check_codes.matches(secret, number, " " + check_codes.grouped(value).lower().replace("0", "o") + " ")


def test_a_check_code_depends_on_the_secret_and_the_number():
    assert check_codes.check_code(b"a", "BZJL2026-J000001") != check_codes.check_code(b"b", "BZJL2026-J000001")
    assert check_codes.check_code(b"a", "BZJL2026-J000001") != check_codes.check_code(b"a", "BZJL2026-J000002")


# --- states ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_valid_certificate_reads_genuine_and_valid_with_what_was_certified(world):
    certificate = world.record()
    response = ask_api(certificate.number, code(certificate))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "valid" and body["state_label"] == "有效"
    assert body["institution"] == "巴中市计量测试所" and body["instrument_public_code"] == world.instrument.public_code
    assert body["valid_until"] == certificate.valid_until.isoformat()
    assert "superseded_by_code" not in body and code(certificate) not in response.content.decode()
    page = ask_page(certificate.number.lower(), check_codes.grouped(code(certificate)).lower())
    assert page.status_code == 200
    assert 'data-state="valid"' in page.content.decode() and "证书真实" in page.content.decode()


@pytest.mark.django_db
def test_a_superseded_certificate_links_to_the_one_that_replaced_it(world):
    original = world.record()
    corrected = services.supersede(world.verifier, original, world.data(), "温度记录笔误")
    body = ask_api(original.number, code(original)).json()
    assert body["state"] == "superseded" and body["superseded_by"] == corrected.number
    assert ask_api(corrected.number, code(corrected)).json()["state"] == "valid"
    follow = Client().get(body["superseded_by_url"])
    assert follow.status_code == 200 and corrected.number in follow.content.decode()
    page = ask_page(original.number, code(original)).content.decode()
    assert 'data-testid="check-superseded"' in page and corrected.number in page


@pytest.mark.django_db
def test_a_revoked_certificate_gives_the_reason(world):
    certificate = world.record()
    services.revoke(world.verifier, certificate, "使用的计量标准已超差")
    body = ask_api(certificate.number, code(certificate)).json()
    assert body["state"] == "revoked" and body["revocation_reason"] == "使用的计量标准已超差"
    assert "使用的计量标准已超差" in ask_page(certificate.number, code(certificate)).content.decode()


@pytest.mark.django_db
def test_an_expired_certificate_reads_expired(world):
    certificate = world.record()
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=datetime.date(2020, 1, 1))
    assert ask_api(certificate.number, code(certificate)).json()["state"] == "expired"
    assert "2020-01-01" in ask_page(certificate.number, code(certificate)).content.decode()


@pytest.mark.django_db
def test_a_notice_of_failure_is_genuine_but_never_valid(world):
    notice = world.record(points=(point(world.rule(), "20.000", "20.100"),))  # +0.5 % against ±0.30 %
    body = ask_api(notice.number, code(notice)).json()
    assert body["state"] == "failed" and body["conclusion"] == "不合格"
    assert "不得使用" in ask_page(notice.number, code(notice)).content.decode()


@pytest.mark.django_db
def test_a_wrong_code_and_an_unknown_number_give_the_same_answer(world):
    certificate = world.record()
    wrong = ask_api(certificate.number, "ABCD-EFGH" if code(certificate) != "ABCDEFGH" else "ABCD-EFGJ")
    unknown_number = "BZJL2026-J999999"
    unknown = ask_api(unknown_number, public_check.code_of(unknown_number))
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json() == {
        "code": "not_found", "message": "没有与该证书编号和查验码相符的证书。", "fields": {}}
    page = ask_page(certificate.number, "ABCD-EFGH")
    assert page.status_code == 404 and 'data-testid="check-unknown"' in page.content.decode()


@pytest.mark.django_db
def test_empty_or_malformed_fields_are_named(world):
    response = ask_api(" ", "12")
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"number", "code"}
    page = ask_page("", "")
    assert page.status_code == 422
    text = page.content.decode()
    assert "请输入证书编号。" in text and "请输入证书上的查验码。" in text
    assert Client().get("/check/").status_code == 200  # the empty form is no error


@pytest.mark.django_db
def test_wrong_answers_are_throttled_per_client_and_then_even_a_right_code_is_refused(world, settings):
    settings.JILIANG_PUBLIC_CHECK_LIMIT = 3
    certificate = world.record()
    for _ in range(3):
        assert ask_api(certificate.number, "ZZZZ-ZZZZ").status_code == 404
    refused = ask_api(certificate.number, code(certificate))
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert ask_page(certificate.number, code(certificate)).status_code == 429
    other_client = Client(REMOTE_ADDR="10.0.0.9")
    assert ask_api(certificate.number, code(certificate), other_client).status_code == 200


@pytest.mark.django_db
def test_right_answers_do_not_count_against_the_client(world, settings):
    settings.JILIANG_PUBLIC_CHECK_LIMIT = 2
    certificate = world.record()
    for _ in range(5):
        assert ask_api(certificate.number, code(certificate)).status_code == 200


@pytest.mark.django_db
def test_an_individual_owner_is_masked(world, make_organization):
    Organization.objects.filter(pk=world.owner_org.pk).update(name="张三烧烤店", uscc="92511902MA0000001X")
    certificate = world.record()
    body = ask_api(certificate.number, code(certificate)).json()
    assert body["owner"] == "张****"
    assert "张三" not in ask_page(certificate.number, code(certificate)).content.decode()


# --- the receipt -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_downloaded_receipt_verifies_offline(world, tmp_path, capsys):
    certificate = world.record()
    pending = ask_page(certificate.number, code(certificate)).content.decode()
    assert 'data-testid="log-pending"' in pending
    sequencer.publish()
    response = Client().get("/check/receipt", {"number": certificate.number, "code": code(certificate)})
    assert response.status_code == 200
    path = tmp_path / "certificate.tlog-proof"
    path.write_bytes(response.content)
    call_command("log", "verify-receipt", str(path))
    output = capsys.readouterr().out
    assert output.startswith("OK: entry ") and f'"id":"{certificate.pk}"' in output
    assert '"kind":"verification.certificate"' in output


@pytest.mark.django_db
def test_an_altered_receipt_does_not_verify(world, tmp_path):
    certificate = world.record()
    sequencer.publish()
    receipt = public_check.receipt(public_check.check(certificate.number, code(certificate), "test"))
    altered = receipt.extra.replace(str(certificate.pk).encode(), str(certificate.pk + 1).encode(), 1)
    path = tmp_path / "altered.tlog-proof"
    path.write_bytes(type(receipt)(receipt.index, receipt.inclusion_proof, receipt.checkpoint, altered).to_bytes())
    with pytest.raises(CommandError, match="does NOT verify"):
        call_command("log", "verify-receipt", str(path))


@pytest.mark.django_db
def test_no_receipt_for_a_wrong_code(world):
    certificate = world.record()
    sequencer.publish()
    assert Client().get("/check/receipt", {"number": certificate.number, "code": "ZZZZ-ZZZZ"}).status_code == 404


@pytest.mark.django_db
def test_the_certificate_page_shows_its_check_code_and_links_to_the_public_check(world):
    certificate = world.record()
    client = Client()
    client.force_login(world.owner)
    page = client.get(f"/verification/certificates/{certificate.pk}/").content.decode()
    assert check_codes.grouped(code(certificate)) in page
    assert f"/check/?number={certificate.number}&amp;code={code(certificate)}" in page


@pytest.mark.django_db
def test_verify_receipt_holds_the_receipt_to_the_witness_quorum_asked_for(world, tmp_path):
    certificate = world.record()
    sequencer.publish()
    receipt = public_check.receipt(public_check.check(certificate.number, code(certificate), "test"))
    path = tmp_path / "certificate.tlog-proof"
    path.write_bytes(receipt.to_bytes())
    with pytest.raises(CommandError, match="0 of the 1 cosignatures required"):
        call_command("log", "verify-receipt", str(path), "--quorum", "1")
    path.write_bytes(type(receipt)(receipt.index, receipt.inclusion_proof, receipt.checkpoint).to_bytes())
    with pytest.raises(CommandError, match="carries no entry"):
        call_command("log", "verify-receipt", str(path))
    entry = tmp_path / "entry"
    entry.write_bytes(receipt.extra)
    call_command("log", "verify-receipt", str(path), "--entry", str(entry))


# --- the result cached per certificate version --------------------------------------------------

@pytest.fixture
def rendered():
    """The templates rendered while the test runs."""
    names = []
    def note(sender, template, **kwargs):
        names.append(template.name)
    template_rendered.connect(note)
    yield names
    template_rendered.disconnect(note)


@pytest.mark.django_db
def test_a_reader_not_signed_in_gets_the_shared_page_without_rendering_and_their_own_token(
        world, rendered, django_assert_num_queries):
    certificate = world.record()
    first = ask_page(certificate.number, code(certificate))
    rendered.clear()
    with django_assert_num_queries(1):  # the certificate's state and its latest log entry
        again = ask_page(certificate.number, code(certificate))
    assert rendered == [] and again.status_code == 200
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
              for page in (first, again)]
    assert tokens[0] != tokens[1] and again.cookies["csrftoken"].value  # each reader's own, with its cookie
    assert again.content.decode().replace(tokens[1], "") == first.content.decode().replace(tokens[0], "")
    # The language switch on the shared page works for its reader.
    reader = Client(enforce_csrf_checks=True)
    page = ask_page(certificate.number, code(certificate), reader).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert reader.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": token}).status_code == 302
    assert "no-store" in again["Cache-Control"]  # nothing between the reader and the platform keeps it


@pytest.mark.django_db
def test_a_signed_in_reader_gets_their_own_page_not_the_shared_one(world):
    certificate = world.record()
    shared = ask_page(certificate.number, code(certificate)).content.decode()
    signed_in = Client()
    signed_in.force_login(world.verifier)
    own = ask_page(certificate.number, code(certificate), signed_in).content.decode()
    assert 'data-testid="who"' in own and 'data-testid="who"' not in shared
    assert 'data-testid="who"' not in ask_page(certificate.number, code(certificate)).content.decode()


@pytest.mark.django_db
def test_a_cached_result_shows_a_revocation_at_once(world):
    certificate = world.record()
    for _ in range(2):  # the second from the shared page, before the middleware stack
        page = ask_page(certificate.number, code(certificate))
        assert 'data-state="valid"' in page.content.decode()
    assert shortcut_answered(page)
    services.revoke(world.verifier, certificate, "检定数据有误")
    page = ask_page(certificate.number, code(certificate)).content.decode()
    assert 'data-state="revoked"' in page and "检定数据有误" in page


# --- the shared page answered before the middleware stack ------------------------------------------

SHORTCUT = "jiliang.verification.public_views.SharedCheckPageMiddleware"


def shortcut_answered(response) -> bool:
    """Whether the shortcut answered: the authentication middleware after it never gave the request a user."""
    return not hasattr(response.wsgi_request, "user")


def headers_of(response) -> dict:
    """The response's headers but for those that differ per request (its id, the reader's CSRF cookie)."""
    return {name: value for name, value in response.items() if name not in {"X-Request-ID", "Set-Cookie"}}


@pytest.mark.django_db
def test_the_shared_page_from_the_shortcut_has_the_headers_and_cookie_of_the_whole_stack(world, settings):
    certificate = world.record()
    ask_page(certificate.number, code(certificate))  # renders and caches the shared page
    short = ask_page(certificate.number, code(certificate))
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != SHORTCUT]
    whole = ask_page(certificate.number, code(certificate))
    assert shortcut_answered(short) and not shortcut_answered(whole)
    assert short.status_code == whole.status_code == 200
    assert headers_of(short) == headers_of(whole)
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                   "Cache-Control", "Content-Language", "Vary"):
        assert short[header], header
    assert "no-store" in short["Cache-Control"] and short["X-Frame-Options"] == "DENY"
    cookies = [response.cookies["csrftoken"] for response in (short, whole)]
    attributes = [{name: value for name, value in cookie.items() if name != "expires"} for cookie in cookies]
    assert attributes[0] == attributes[1] and cookies[0].value != cookies[1].value
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", short.content.decode()) == token.sub("", whole.content.decode())


@pytest.mark.django_db
def test_the_shortcut_answers_the_language_the_reader_chose(world):
    certificate = world.record()
    reader = Client(HTTP_ACCEPT_LANGUAGE="en")
    ask_page(certificate.number, code(certificate), reader)
    english = ask_page(certificate.number, code(certificate), reader)
    for _ in range(2):  # the first renders the Chinese page, the second is the shortcut's
        chinese = ask_page(certificate.number, code(certificate))
    assert shortcut_answered(english) and shortcut_answered(chinese)
    assert english["Content-Language"] == "en" and chinese["Content-Language"] == "zh-hans"
    assert english.content != chinese.content


@pytest.mark.django_db
def test_a_signed_in_reader_is_not_answered_by_the_shortcut(world):
    certificate = world.record()
    ask_page(certificate.number, code(certificate))
    assert shortcut_answered(ask_page(certificate.number, code(certificate)))
    signed_in = Client()
    signed_in.force_login(world.verifier)
    own = ask_page(certificate.number, code(certificate), signed_in)
    assert not shortcut_answered(own) and own.wsgi_request.user == world.verifier
    assert 'data-testid="who"' in own.content.decode() and "private" in own["Cache-Control"]


@pytest.mark.django_db
def test_wrong_codes_count_once_each_and_a_throttled_client_is_refused_even_a_cached_page(world, settings):
    settings.JILIANG_PUBLIC_CHECK_LIMIT = 3
    certificate = world.record()
    ask_page(certificate.number, code(certificate))
    assert shortcut_answered(ask_page(certificate.number, code(certificate)))
    for _ in range(2):
        assert ask_page(certificate.number, "ZZZZ-ZZZZ").status_code == 404
    assert ask_page(certificate.number, code(certificate)).status_code == 200  # two wrong answers: not yet
    assert ask_page(certificate.number, "ZZZZ-ZZZZ").status_code == 404
    refused = ask_page(certificate.number, code(certificate))
    assert refused.status_code == 429 and not shortcut_answered(refused)


@pytest.mark.django_db
def test_odd_fields_go_through_the_whole_stack_and_its_text_guard(world):
    certificate = world.record()
    ask_page(certificate.number, code(certificate))
    odd = Client().get("/check/", {"number": certificate.number, "code": code(certificate), "from": "qr\x01"})
    assert odd.status_code == 400 and not shortcut_answered(odd)
    extra = Client().get("/check/", {"number": certificate.number, "code": code(certificate), "from": "qr"})
    assert extra.status_code == 200 and not shortcut_answered(extra)


@pytest.mark.django_db
def test_a_cached_result_shows_a_supersession_at_once(world):
    original = world.record()
    assert 'data-state="valid"' in ask_page(original.number, code(original)).content.decode()
    corrected = services.supersede(world.verifier, original, world.data(), "温度记录笔误")
    page = ask_page(original.number, code(original)).content.decode()
    assert 'data-state="superseded"' in page and corrected.number in page


@pytest.mark.django_db
def test_a_cached_result_shows_an_expiry_at_once(world):
    certificate = world.record()
    assert 'data-state="valid"' in ask_page(certificate.number, code(certificate)).content.decode()
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=datetime.date(2020, 1, 1))  # today is past it
    assert 'data-state="expired"' in ask_page(certificate.number, code(certificate)).content.decode()


@pytest.mark.django_db
def test_a_repeated_check_reads_neither_the_certificate_nor_its_names_again(world, django_assert_num_queries):
    certificate = world.record()
    first = ask_page(certificate.number, code(certificate)).content.decode()
    with django_assert_num_queries(1):  # the certificate's state and its latest log entry
        again = ask_page(certificate.number, code(certificate)).content.decode()
    result = 'data-testid="check-result"'
    assert result in again and again.split(result)[1] == first.split(result)[1]
