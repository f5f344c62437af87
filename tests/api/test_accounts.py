"""Sign-in throttling (form and token API), token rotation and revocation, password change ends tokens."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import TEST_PASSWORD


def token_post(password, username="reviewer1", address="10.0.0.1"):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_ten_failures_then_429_with_retry_after_even_for_the_right_password(reviewer1, settings):
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_WINDOW = 10, 900
    for _ in range(10):
        assert token_post("wrong").status_code == 400
    refused = token_post(TEST_PASSWORD)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 900
    assert "Too many failed sign-ins" in refused.json()["detail"]


def test_the_address_is_throttled_across_usernames(reviewer1, reviewer2, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for name in ("a", "b", "c"):
        assert token_post("wrong", username=name).status_code == 400
    assert token_post(TEST_PASSWORD, username="reviewer2").status_code == 429
    # another address is not affected, and a right password clears the user's own count
    assert token_post(TEST_PASSWORD, username="reviewer2", address="10.0.0.2").status_code == 200


def test_the_window_ends(reviewer1, settings, monkeypatch):
    import annotations.services.accounts as accounts

    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_WINDOW = 2, 60
    clock = [1_000_000.0]
    monkeypatch.setattr(accounts.time, "time", lambda: clock[0])
    token_post("wrong"), token_post("wrong")
    assert token_post(TEST_PASSWORD).status_code == 429
    clock[0] += 61
    assert token_post(TEST_PASSWORD).status_code == 200


def test_a_missing_field_is_not_counted_as_a_failure(reviewer1, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(5):
        response = APIClient(REMOTE_ADDR="10.0.0.1").post("/api/auth/token/", {"username": "reviewer1"}, format="json")
        assert response.status_code == 400 and "password" in response.json()
    assert token_post(TEST_PASSWORD).status_code == 200


def test_login_form_is_throttled_too(reviewer1, client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": "reviewer1", "password": "x"}).status_code == 200
    response = client.post("/accounts/login/", {"username": "reviewer1", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_each_token_post_rotates_the_token(reviewer1):
    first = token_post(TEST_PASSWORD).json()["token"]
    second = token_post(TEST_PASSWORD).json()["token"]
    assert first != second
    assert list(Token.objects.filter(user=reviewer1).values_list("key", flat=True)) == [second]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.get("/api/projects/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api.get("/api/projects/").status_code == 200


def test_delete_revokes_the_token(reviewer1):
    key = token_post(TEST_PASSWORD).json()["token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.delete("/api/auth/token/").status_code == 204
    assert api.get("/api/projects/").status_code == 401
    assert not Token.objects.filter(user=reviewer1).exists()


def test_sign_in_works_whatever_stale_token_the_client_sends(reviewer1):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.post("/api/auth/token/", {"username": "reviewer1", "password": TEST_PASSWORD}, format="json")
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_password_change_revokes_tokens_and_other_sessions(reviewer1, client):
    key = token_post(TEST_PASSWORD).json()["token"]
    client.force_login(reviewer1)
    assert client.get("/").status_code == 200
    reviewer1.set_password("a-new-long-password-42")
    reviewer1.save()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/projects/").status_code == 401
    assert client.get("/").status_code == 302  # the old session ended with the old password


def test_saving_a_user_without_a_new_password_keeps_the_token(reviewer1):
    key = token_post(TEST_PASSWORD).json()["token"]
    reviewer1.first_name = "Rana"
    reviewer1.save()
    assert Token.objects.filter(key=key).exists()


def test_api_throttle_answers_429_with_retry_after(project, reviewer1, api_client_for, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import UserRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "user": "3/minute"}
    UserRateThrottle.THROTTLE_RATES = rates
    try:
        api = api_client_for(reviewer1)
        statuses = [api.get("/api/projects/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert int(api.get("/api/projects/")["Retry-After"]) > 0
    finally:
        UserRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
