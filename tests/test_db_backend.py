"""workbench.postgresql: a persistent connection used a moment ago is reused without Django's health check
(`SELECT 1` before the request's first statement); one idle longer than DB_HEALTH_CHECK_IDLE is checked and
replaced when the server dropped it; one dropped within that window fails its request's statement and is
replaced at the end of that request."""

import psycopg
import pytest
from django.db import OperationalError, close_old_connections, connection, connections

from tests.conftest import require_service

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def backend():
    require_service("PostgreSQL", connection.vendor == "postgresql", "the backend is PostgreSQL's; set DATABASE_URL")
    wrapper = connections["default"]
    assert type(wrapper).__module__ == "workbench.postgresql.base"
    assert wrapper.settings_dict["HEALTH_CHECK_IDLE"] == 10  # DB_HEALTH_CHECK_IDLE as shipped
    wrapper.ensure_connection()
    return wrapper


@pytest.fixture
def checks(backend, monkeypatch):
    """The health checks run, as a list that grows by one at each."""
    ran = []
    real = type(backend).is_usable

    def is_usable(self):
        ran.append(self.connection.info.backend_pid)
        return real(self)

    monkeypatch.setattr(type(backend), "is_usable", is_usable)
    return ran


def _request_boundary():
    """What Django does when a request starts or finishes (request_started / request_finished)."""
    close_old_connections()


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _drop(pid: int) -> None:
    """The server ends that session, as a restart or an administrator would."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]


def test_a_connection_used_a_moment_ago_is_reused_without_the_check(backend, checks):
    pid = _backend_pid()
    _request_boundary()
    assert _backend_pid() == pid
    assert checks == []  # no SELECT 1 round trip


def test_a_connection_idle_longer_than_the_window_is_checked(backend, checks):
    pid = _backend_pid()
    backend.used_at -= 11
    _request_boundary()
    assert _backend_pid() == pid
    assert checks == [pid]


def test_with_a_window_of_zero_every_request_is_checked(backend, checks, monkeypatch):
    monkeypatch.setitem(backend.settings_dict, "HEALTH_CHECK_IDLE", 0)
    pid = _backend_pid()
    _request_boundary()
    _backend_pid()
    _request_boundary()
    _backend_pid()
    assert checks == [pid, pid]


def test_a_dropped_connection_idle_longer_than_the_window_is_replaced_before_the_request_uses_it(backend, checks):
    pid = _backend_pid()
    _drop(pid)
    backend.used_at -= 11
    _request_boundary()
    assert _backend_pid() != pid  # the check found it dead and a new connection answered
    assert checks == [pid]


def test_a_connection_dropped_within_the_window_fails_one_request_and_is_replaced_after_it(backend):
    pid = _backend_pid()
    _drop(pid)
    _request_boundary()
    with pytest.raises(OperationalError):  # the request's statement: a 503 through DatabaseUnavailable
        _backend_pid()
    _request_boundary()  # the end of that request: the failed connection is closed
    assert backend.connection is None
    assert _backend_pid() != pid
