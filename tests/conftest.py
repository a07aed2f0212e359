"""Fixtures every app's tests share: users of each role with their bindings, organizations, clients.

The administrative divisions are loaded by a migration, so every test database has them.
"""

import itertools

import pytest
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.core import serializers
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from jiliang.accounts import services as account_services
from jiliang.accounts.models import Division, Role, User
from jiliang.accounts.token_scopes import ALL_SCOPES
from jiliang.ledger.keys import create_log_keys
from jiliang.monitoring.engine import _rulebook_cache
from jiliang.registry.codes import make_uscc
from jiliang.registry.models import Organization
from jiliang.verification.models import Institution

PASSWORD = "Test-Passw0rd!"

# Tests never assert on wall-clock time: Hypothesis's per-example deadline (200 ms) failed
# property tests on a loaded 2-core machine, so it is off for the whole suite.
hypothesis_settings.register_profile("jiliang", deadline=None)
hypothesis_settings.load_profile("jiliang")
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.fixture(scope="session")
def _reference_data_snapshot(django_db_setup, django_db_blocker) -> str:
    """The rows our migrations loaded: divisions, the catalogue, MPE rules, rule thresholds.

    Taken here rather than through Django's serialized rollback, which keeps it on a connection
    object that a test running Playwright's event loop does not see. Session-scoped, so pytest sets
    it up before the session's browser, on the first transactional test only.
    """
    our_apps = [(config, None) for config in django_apps.get_app_configs() if config.name.startswith("jiliang.")]
    with django_db_blocker.unblock():
        models = serializers.sort_dependencies(our_apps)
        rows = itertools.chain.from_iterable(model._default_manager.order_by("pk").iterator() for model in models)
        return serializers.serialize("json", rows)


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """A transactional test flushes every table when it ends; the next one gets the reference data back."""
    if not _is_transactional(request.node):
        return
    snapshot = request.getfixturevalue("_reference_data_snapshot")
    request.getfixturevalue("transactional_db")
    if not Division.objects.exists():
        connection.creation.deserialize_db_from_string(snapshot)


LEDGER_ORIGIN = "ledger.bazhong.example/jiliang"


@pytest.fixture(scope="session")
def ledger_key_dir(tmp_path_factory):
    """The log's keys, made once per session as `jiliang init` makes them at install."""
    key_dir = tmp_path_factory.mktemp("ledger-keys")
    with override_settings(JILIANG_LEDGER_KEY_DIR=key_dir, JILIANG_LEDGER_ORIGIN=LEDGER_ORIGIN):
        create_log_keys(LEDGER_ORIGIN)
    return key_dir


@pytest.fixture(autouse=True)
def _ledger_keys(settings, ledger_key_dir):
    settings.JILIANG_LEDGER_KEY_DIR = ledger_key_dir
    settings.JILIANG_LEDGER_ORIGIN = LEDGER_ORIGIN


@pytest.fixture(autouse=True)
def _no_cache_from_an_earlier_test():
    """Each test starts with empty caches. Under SQLite a rolled-back test gives its row ids to the
    next test (AUTOINCREMENT's counter rolls back too), so a cache keyed by ids or versions (the
    monitoring rule book by its latest threshold id, a public check result by the certificate's
    version) could hand one test what an earlier one stored; under xdist the order varies."""
    cache.clear()
    _rulebook_cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (zh-hans). Django's LocaleMiddleware leaves the
    language of a request active in its thread, so a test that asked for an English page made the
    next test on that worker store its notices' titles in English."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _figures_not_cached(settings):
    """Pages count afresh in tests (in production the due cards and statistics are cached a while)."""
    settings.JILIANG_FIGURES_CACHE_SECONDS = 0


@pytest.fixture
def division(db):
    """Division by code: division("511902")."""
    return lambda code: Division.objects.get(code=code)


@pytest.fixture
def make_organization(db, division):
    def make(county_code: str = "511902", name: str | None = None, **fields) -> Organization:
        number = next(_serial)
        return Organization.objects.create(
            uscc=make_uscc("91", county_code[:6], f"T{number:07d}"),
            name=name or f"测试单位{number}",
            division=division(county_code),
            **fields,
        )

    return make


@pytest.fixture
def make_institution(db, division):
    def make(name: str | None = None, county_code: str = "511900") -> Institution:
        return Institution.objects.create(name=name or f"测试检定机构{next(_serial)}", division=division(county_code))

    return make


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def make_user(db, division):
    """make_user(Role.COUNTY_REGULATOR, division="511902"), make_user(Role.OWNER, organization=org)."""

    def make(role: str, *, division: str | None = None, organization=None, institution=None,
             username: str | None = None, **fields) -> User:
        return account_services.create_user(
            None,
            username=username or f"{role}-{next(_serial)}",
            password=PASSWORD,
            role=role,
            division=Division.objects.get(code=division) if division else None,
            organization=organization,
            institution=institution,
            **fields,
        )

    return make


@pytest.fixture
def city_regulator(make_user):
    return make_user(Role.CITY_REGULATOR, division="511900")


@pytest.fixture
def bazhou_regulator(make_user):
    return make_user(Role.COUNTY_REGULATOR, division="511902")


@pytest.fixture
def tongjiang_regulator(make_user):
    return make_user(Role.COUNTY_REGULATOR, division="511921")


@pytest.fixture
def auditor(make_user):
    return make_user(Role.AUDITOR, division="511900")


def api_client_for(user: User | None) -> Client:
    """A client that calls /api/v1/ with a bearer token of ``user`` (anonymous when None)."""
    if user is None:
        return Client()
    _token, raw = account_services.issue_api_token(user, "tests", scopes=list(ALL_SCOPES))
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def api_client():
    return api_client_for


@pytest.fixture
def browser_client():
    """A signed-in browser session (a Django test client logged in through the real login page)."""

    def make(user: User) -> Client:
        client = Client()
        response = client.post("/login/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.content[:500]
        return client

    return make


@pytest.fixture
def live_api(live_server):
    """``call(user, method, path, body=None, headers=None) -> (status, headers, json)`` over real HTTP
    against the live server, with a bearer token of ``user``: for races between threads, each its own
    connection to the server and so its own database connection."""
    import json
    import urllib.error
    import urllib.request

    tokens: dict[int, str] = {}

    def call(user, method: str, path: str, body=None, headers=None):
        if user.pk not in tokens:
            tokens[user.pk] = account_services.issue_api_token(user, "live", scopes=list(ALL_SCOPES))[1]
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(live_server.url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {tokens[user.pk]}", "Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, dict(response.headers), json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.loads(error.read() or b"null")

    return call
