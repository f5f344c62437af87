"""Shared setup: services that CI must have, the no-network guard, role fixtures and API clients."""

from __future__ import annotations

import os
import socket
import time

import pytest

# Django-dependent imports live inside the fixtures, so the pure packages' tests also run with
# `-p no:django --noconftest`-free invocations such as `pytest -p no:django tests/agreement`.

IN_CI = os.environ.get("CI") == "true"
TEST_PASSWORD = "pw-for-tests-1"


def require_service(what: str, available: bool, how: str) -> None:
    """Skip locally when a service is missing; in CI a missing service is a failure, never a skip."""
    if available:
        return
    message = f"{what} is not available ({how})"
    if IN_CI:
        pytest.fail(f"CI=true: {message}")
    pytest.skip(message)


# --- No network at run time (the server never fetches anything): only loopback connections are allowed. -------------
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if not (host in ("localhost", "::1") or str(host).startswith("127.")):
            raise AssertionError(f"test tried to reach the network: {address!r}")


def _guarded_connect(self, address):
    _check_address(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _check_address(self, address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def no_outbound_network():
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
    yield
    socket.socket.connect = _real_connect
    socket.socket.connect_ex = _real_connect_ex


_STARTED: list[tuple[float, str]] = []  # (time, test id) of every test, for `django_db_setup`'s report


def pytest_runtest_logstart(nodeid, location):
    _STARTED.append((time.time(), nodeid))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """pytest-django's test databases. Before they are dropped, any other session still connected to the
    PostgreSQL one is named with the test during which it connected (the drop would fail with "being
    accessed by other users", which pytest-django only reports as a warning without saying whose)."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start, state, left(query, 100) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        for pid, started, state, query in cursor.fetchall():
            during = [nodeid for at, nodeid in _STARTED if at <= started.timestamp()][-1:] or ["the setup"]
            message = f"database session {pid} ({state}, last {query!r}) still open; it connected during {during[0]}"
            request.node.warn(pytest.PytestWarning(message))


@pytest.fixture(autouse=True)
def fast_password_hashing(request):
    """Hashing is not under test here; PBKDF2's iterations would dominate the suite's time."""
    if request.config.pluginmanager.hasplugin("django"):  # absent in `pytest -p no:django tests/text`
        request.getfixturevalue("settings").PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache(request):
    """Sign-in failure counts and API throttle counters live in the cache: each test starts with none."""
    if request.config.pluginmanager.hasplugin("django"):
        from django.core.cache import cache

        cache.clear()


@pytest.fixture(autouse=True)
def api_responses_match_schema(request, monkeypatch):
    """Every API response made through the test client is checked against /api/schema/ (tests/openapi_responses.py)."""
    if not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    from tests.openapi_responses import Recorder

    recorder = Recorder()
    recorder.install(monkeypatch)
    yield
    if recorder.from_threads:
        pytest.fail("\n".join(recorder.from_threads), pytrace=False)


# --- Roles ----------------------------------------------------------------------------------------------
@pytest.fixture
def project(db):
    from tests.factories import LabelTypeFactory, ProjectFactory

    project = ProjectFactory(slug="badia", name="أخبار البادية")
    for order, (name, name_ar, hotkey) in enumerate(
        [("actor", "فاعل", "1"), ("place", "مكان", "2"), ("casualty_figure", "عدد الضحايا", "3")]
    ):
        LabelTypeFactory(project=project, name=name, name_ar=name_ar, hotkey=hotkey, order=order)
    return project


def _member(project, username, role):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username=username)
    MembershipFactory(project=project, user=user, role=role)
    return user


@pytest.fixture
def manager(project):
    return _member(project, "manager", "manager")


@pytest.fixture
def adjudicator(project):
    return _member(project, "adjudicator", "adjudicator")


@pytest.fixture
def reviewer1(project):
    return _member(project, "reviewer1", "reviewer")


@pytest.fixture
def reviewer2(project):
    return _member(project, "reviewer2", "reviewer")


@pytest.fixture
def other_project(db):
    from tests.factories import ProjectFactory

    return ProjectFactory(slug="other", name="Other desk")


@pytest.fixture
def outsider(other_project):
    """A manager of another project: a member of the workbench, a stranger to `project`."""
    return _member(other_project, "outsider", "manager")


@pytest.fixture
def document(project):
    from tests.factories import DocumentFactory

    return DocumentFactory(project=project)


@pytest.fixture
def api_client_for():
    from rest_framework.test import APIClient

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _interface_language_reset():
    """A request in Arabic leaves Arabic active in the thread (LocaleMiddleware activates, nothing
    deactivates); code run by the next test (services, commands) would then speak Arabic."""
    yield
    from django.utils import translation

    translation.activate("en")
