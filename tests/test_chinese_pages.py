"""Every Chinese page speaks Chinese to its reader (issue 12, defect 9): the demo's pages for each
role and the public pages hold no codes like ``login.success``, no True/False/None, no Django
"Owner"/"Site" labels, no English confidence ratings or phrases (tests/english_scan.py)."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from jiliang.accounts.models import User
from jiliang.registry.models import Instrument
from jiliang.verification import public_check
from jiliang.verification.models import Certificate, CertificateStatus, VerificationState
from jiliang.verification.public_views import check_url

from .english_scan import crawl

ROLES = ["city", "bazhou", "institution", "owner", "auditor", "dept"]  # the admin's back office reads the research

@pytest.mark.django_db
def test_the_demo_pages_of_every_role_and_the_public_pages_are_in_chinese():
    call_command("demo", "--no-serve", stdout=io.StringIO())
    found = {}
    for username in ROLES:
        client = Client()
        client.force_login(User.objects.get(username=username))
        found |= {f"{username} {url}": words for url, words in crawl(client, limit=60, per_prefix=2).items()}
    verified = Instrument.objects.filter(pk__in=VerificationState.objects.values("instrument_id")[:2])
    for code in verified.values_list("public_code", flat=True):
        found |= {f"public {url}": words for url, words in crawl(Client(), start=f"/i/{code}", limit=5).items()}
    for start in ("/complaints/", "/complaints/penalties", "/complaints/track",  # the public complaint channel
                  "/portal/", "/portal/institutions/", "/portal/standards/", "/portal/transparency/"):  # the portal
        found |= {f"public {url}": words for url, words in crawl(Client(), start=start, limit=3).items()}
    cache.clear()  # no wrong answers counted by earlier tests: the check pages must answer 200
    for status in CertificateStatus.values:  # the public check of a certificate in each state
        certificate = Certificate.objects.filter(status=status).first()
        if certificate is None:
            continue
        start = check_url(certificate.number, public_check.code_of(certificate.number))
        found |= {f"public {url}": words for url, words in crawl(Client(), start=start, limit=3).items()}
    assert found == {}


@pytest.mark.parametrize(("html", "word"), [
    ("<td>login.success</td>", "login.success"), ("<td>True</td>", "True"), ("<label>Owner <input></label>", "Owner"),
    ("<td>medium</td>", "medium"), ("<p>Whether the catalogue keeps it</p>", "Whether the catalogue"),
])
def test_the_scan_finds_english(html, word):
    from .english_scan import offences
    assert word in offences(html)[0][0]


@pytest.mark.parametrize("html", [
    "<td>登录成功（login.success）</td>", '<input value="True">', "<script>a.b = None</script>",
    "<code>accounts.User</code>", "<td>JJG 443-2023</td>", "<td>owner</td>",
])
def test_the_scan_leaves_what_a_reader_may_see(html):
    from .english_scan import offences
    assert offences(html)[0] == []
