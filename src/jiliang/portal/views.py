from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from jiliang.portal import search, selectors
from jiliang.portal.sections import SECTIONS
from jiliang.registry import public_code


def _site_facts() -> dict:
    """Filing numbers and contact details (settings, docs/configuration.md): only those set are shown."""
    return {
        "icp_filing": settings.JILIANG_ICP_FILING,
        "police_filing": settings.JILIANG_POLICE_FILING,
        "contact_phone": settings.JILIANG_CONTACT_PHONE,
        "contact_address": settings.JILIANG_CONTACT_ADDRESS,
    }


def home(request):
    """What the platform is, the instrument look-up and the public sections. A code in ?code= leads to
    the instrument's public card, which says plainly when no such instrument is registered."""
    code = request.GET.get("code", "").strip()
    if code:
        return redirect(reverse("registry-public:card", args=[public_code.normalize(code) or code]))
    return render(request, "portal/home.html", {"sections": SECTIONS, **_site_facts()})


def institutions(request):
    return render(request, "portal/institutions.html",
                  {"institutions": selectors.authorised_institutions(), **_site_facts()})


def standards(request):
    rows = list(selectors.public_standards())
    return render(request, "portal/standards.html",
                  {"standards": rows, "coverage": selectors.standards_coverage(rows), **_site_facts()})


def transparency(request):
    """The transparency log in plain words: the latest checkpoint, its witnesses, how anyone verifies,
    and the log index of a certificate's entry found by its number (?number=)."""
    number = request.GET.get("number", "").strip()[:40]
    return render(request, "portal/transparency.html", {
        "state": selectors.log_state(), "number": number,
        "index": selectors.log_index_of_certificate(number) if number else None, **_site_facts(),
    })


@login_required
def search_page(request):
    text = request.GET.get("q", "").strip()
    hits = search.search(request.user, text)
    groups = [(label, [hit for hit in hits if hit.kind == kind]) for kind, label in search.KIND_LABELS.items()]
    return render(request, "portal/search.html", {
        "q": text, "groups": [(label, rows) for label, rows in groups if rows], "searched": bool(text),
    })
