"""Security promises of the configuration: deploy check, secrets, headers, CSRF, Celery content."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, env_extra=None, tmp_path=None):
    drop = ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "workbench.settings_production",
    "ALLOWED_HOSTS": "workbench.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://workbench.example.org",
}


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    # `check --deploy` is clean and there is no default secret.
    env = {**PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(50), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env_extra=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("secret", [None, "django-insecure-" + "x" * 50, "short"])
def test_production_refuses_to_start_without_a_real_secret(tmp_path, secret):
    env = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    if secret:
        env["SECRET_KEY"] = secret
    result = manage("check", env_extra=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set (50+ random chars) when DEBUG is off" in result.stderr


def test_debug_off_in_base_settings_also_needs_a_secret(tmp_path):
    result = manage("check", env_extra={"DEBUG": "0", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_seed_demo_refuses_in_production(tmp_path):
    env = {**PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(50), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    assert manage("migrate", "-v0", env_extra=env).returncode == 0
    result = manage("seed_demo", env_extra=env)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "CommandError: seed_demo creates accounts with known passwords; DEBUG is off, so pass --force."
    )


def test_celery_accepts_only_json_and_timeouts_are_consistent():
    # No unsafe deserialization (JSON only), and consistent timeouts.
    from workbench.celery import app

    conf = app.conf
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"
    assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/docs/", "/api/projects/"])
def test_security_headers_and_an_enforced_csp(db, client, path):
    # Security headers and an enforced CSP.
    response = client.get(path)
    csp = response.headers.get("Content-Security-Policy", "")
    assert "Content-Security-Policy-Report-Only" not in response.headers
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'", csp
    assert "unsafe" not in directives["default-src"]
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    if path != "/api/docs/":  # Swagger UI needs inline styles (not scripts) on that one page
        assert "unsafe" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_writes_need_the_csrf_token(project, manager):
    # CSRF on every session-authenticated write: cookie auth needs the token; token auth does not.
    from annotations.models import Document

    url = f"/api/projects/{project.id}/documents/"
    browser = APIClient(enforce_csrf_checks=True)
    browser.login(username="manager", password="pw-for-tests-1")
    response = browser.post(url, {"text": "خبر عاجل من بادية حمص الشرقية"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF Failed: CSRF cookie not set."}
    browser.get("/")  # sets the csrftoken cookie, as every page of ours with a form does
    token = browser.cookies["csrftoken"].value
    response = browser.post(url, {"text": "خبر عاجل من بادية حمص الشرقية"}, format="json")
    assert response.json() == {"detail": "CSRF Failed: CSRF token missing."}
    response = browser.post(url, {"text": "خبر عاجل من بادية حمص الشرقية"}, format="json", HTTP_X_CSRFTOKEN="x" * 64)
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect."}
    assert Document.objects.count() == 0
    assert (
        browser.post(url, {"text": "خبر عاجل من بادية حمص الشرقية"}, format="json", HTTP_X_CSRFTOKEN=token).status_code
        == 201
    )

    api = APIClient(enforce_csrf_checks=True)
    key = api.post("/api/auth/token/", {"username": "manager", "password": "pw-for-tests-1"}, format="json").json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key['token']}")
    assert api.post(url, {"text": "خبر آخر من طريق السخنة وتدمر"}, format="json").status_code == 201


def test_login_needs_csrf_and_a_trusted_origin(manager):
    # Login is CSRF-protected and checks the Origin.
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "manager", "password": "pw-for-tests-1"})
    assert response.status_code == 403 and b"CSRF cookie not set." in response.content
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"username": "manager", "password": "pw-for-tests-1", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="https://evil.example",
        secure=True,
    )
    assert response.status_code == 403
    assert b"Origin checking failed - https://evil.example does not match any trusted origins." in response.content
    assert "_auth_user_id" not in client.session


def test_login_redirects_only_to_our_own_pages(manager, client):
    # No reflected input and no open redirect.
    for target, expected in [("https://evil.example/", "/"), ("//evil.example", "/"), ("/projects/x/", "/projects/x/")]:
        client.logout()
        response = client.post(
            "/accounts/login/", {"username": "manager", "password": "pw-for-tests-1", "next": target}
        )
        assert response.status_code == 302 and response.headers["Location"] == expected


def test_templates_put_no_data_in_scripts_and_mark_nothing_safe():
    # Data inside <script> goes through json_script: no `|safe`, no `{% autoescape off %}`, no inline <script> bodies
    # with template data.
    templates = list((ROOT / "annotations" / "templates").rglob("*.html"))
    assert templates
    for path in templates:
        source = path.read_text(encoding="utf-8")
        assert "|safe" not in source and "autoescape off" not in source, path
        for body in re.findall(r"<script[^>]*>(.*?)</script>", source, flags=re.S):
            assert body.strip() == "", f"inline script in {path}"


def test_no_view_is_csrf_exempt_but_the_token_endpoint():
    # CSRF on session writes: DRF APIViews are exempt from Django's middleware but enforce CSRF themselves for
    # session auth; plain Django views must never be exempt.
    from django.urls import get_resolver
    from rest_framework.views import APIView

    exempt = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            view = pattern.callback
            is_drf = getattr(view, "cls", None) is not None and issubclass(view.cls, APIView)
            if getattr(view, "csrf_exempt", False) and not is_drf:
                exempt.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns)
    assert exempt == []
