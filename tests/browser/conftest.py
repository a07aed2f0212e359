"""Headless Debian Chromium driven by Playwright, against pytest-django's live server.

Without /usr/bin/chromium (or JILIANG_CHROMIUM) these tests are skipped, and the skip says why.
"""

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("JILIANG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Playwright's sync API keeps an event loop running in the test thread; the ORM calls the tests
# make around it (creating users) are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"browser test skipped: Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def signed_in_page(chromium, live_server, browser_client):
    """signed_in_page(user, viewport={"width": 390, "height": 844}): a page of a new browser context with
    ``user``'s session (signed in through the real login view), closed when the test ends."""
    contexts = []

    def make(user, **options):
        context = chromium.new_context(base_url=live_server.url, locale="zh-CN", **options)
        contexts.append(context)
        session = browser_client(user).cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot_dir(tmp_path):
    """Where browser tests save their screenshots: $JILIANG_SCREENSHOTS when set, else the test's tmp_path."""
    folder = Path(os.environ["JILIANG_SCREENSHOTS"]) if os.environ.get("JILIANG_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


PAGE_FITS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def phone_step(screenshot_dir):
    """phone_step(page, name): the page does not scroll sideways; its screenshot is kept as NAME.png."""
    def step(page, name):
        assert page.evaluate(PAGE_FITS), f"{name}: {page.url} scrolls sideways"
        page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)
    return step


@pytest.fixture
def bazhou_station(db):
    """A gas station of an organization in 巴州区 (511902), registered by a superuser."""
    from jiliang.accounts.models import Division, User
    from jiliang.registry import services as registry_services
    from jiliang.registry.models import Organization, SiteKind

    registrar = User.objects.create_superuser("registrar", password="unused-Passw0rd!")
    bazhou = Division.objects.get(code="511902")
    organization = Organization.objects.create(uscc="91511902MA6BROWSE1", name="巴州浏览器测试公司", division=bazhou)
    return registry_services.create_site(registrar, organization=organization, name="江北浏览器加油站",
                                         kind=SiteKind.GAS_STATION, division=bazhou, address="巴州区江北大道9号")


# The verification tests' world (institution, qualified staff, traceable standard, an owner), for the
# browser tests of verification pages: loaded from its file, since the two folders' modules share names.
_spec = importlib.util.spec_from_file_location("verification_world",
                                               Path(__file__).parents[1] / "verification" / "conftest.py")
_world = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_world)
world = _world.world


# axe-core (vendored from the npm registry: tests/browser/vendor/axe-core/, MPL-2.0), the accessibility
# rules engine; run inside the page through the DevTools protocol, so the site's CSP need not allow it.
AXE_SOURCE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def axe_violations():
    """axe_violations(page, impacts=("serious", "critical")): the WCAG 2.1 A/AA violations of the page
    as it stands, of those impacts, each as "rule: target …" (empty when it passes)."""
    source = AXE_SOURCE.read_text(encoding="utf-8")

    def check(page, impacts=("serious", "critical")) -> list[str]:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(source)
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        return [f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:5])}"
                for v in result["violations"] if v["impact"] in impacts]

    return check
