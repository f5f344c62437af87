"""GET /api/projects/ and /api/projects/{id}/: scoped to members, labels ordered, the caller's role."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import MembershipFactory, ProjectFactory


def test_token_auth_then_project_list(project, reviewer1, client):
    from rest_framework.test import APIClient

    api = APIClient()
    response = api.post("/api/auth/token/", {"username": "reviewer1", "password": "pw-for-tests-1"}, format="json")
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    body = api.get("/api/projects/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    assert body["results"][0] | {} == {
        "id": project.id,
        "slug": "badia",
        "name": "أخبار البادية",
        "role": "reviewer",
        "overlap_k": 2,
        "document_count": 0,
    }


def test_wrong_password_gets_field_message(project, reviewer1, api_client_for):
    response = api_client_for().post("/api/auth/token/", {"username": "reviewer1", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_anonymous_is_refused(project, api_client_for):
    response = api_client_for().get("/api/projects/")
    assert response.status_code in (401, 403)
    assert project.name not in response.content.decode()


def test_list_contains_only_my_projects(project, reviewer1, other_project, outsider, api_client_for):
    # Lists are scoped: a member of A sees A only, and the count does not reveal B.
    body = api_client_for(reviewer1).get("/api/projects/").json()
    assert [p["slug"] for p in body["results"]] == ["badia"] and body["count"] == 1
    body = api_client_for(outsider).get("/api/projects/").json()
    assert [p["slug"] for p in body["results"]] == ["other"] and body["count"] == 1


def test_detail_has_ordered_labels_and_role(project, manager, api_client_for):
    body = api_client_for(manager).get(f"/api/projects/{project.id}/").json()
    assert body["role"] == "manager"
    assert [(label["name"], label["hotkey"]) for label in body["labels"]] == [
        ("actor", "1"),
        ("place", "2"),
        ("casualty_figure", "3"),
    ]
    assert all(set(label) >= {"name", "hotkey", "color"} for label in body["labels"])


def test_detail_of_a_project_i_am_not_in_is_404_without_data(project, outsider, api_client_for):
    # No IDOR: the same 404 for "missing" and "not yours", also when walking ids.
    own = outsider.memberships.get().project_id
    for project_id in sorted({project.id, project.id - 1, project.id + 1, project.id + 1000} - {own}):
        response = api_client_for(outsider).get(f"/api/projects/{project_id}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_list_query_count_does_not_grow_with_projects(db, api_client_for):
    from tests.factories import UserFactory

    user = UserFactory()

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert api_client_for(user).get("/api/projects/").status_code == 200
        return len(context)

    MembershipFactory(user=user, project=ProjectFactory())
    few = queries()
    for _ in range(5):
        MembershipFactory(user=user, project=ProjectFactory())
    assert queries() == few


def test_page_size_is_bounded(db, api_client_for):
    from tests.factories import UserFactory

    user = UserFactory()
    for _ in range(3):
        MembershipFactory(user=user, project=ProjectFactory())
    body = api_client_for(user).get("/api/projects/?page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert api_client_for(user).get("/api/projects/?page=99").status_code == 404


def test_api_root_schema_and_docs(db, client):
    root = client.get("/api/")
    assert root.status_code == 200 and {"projects", "token", "schema", "docs"} <= set(root.json())
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/projects/", "/api/projects/{project_id}/", "/api/auth/token/"} <= set(paths)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn" not in docs.content.lower()  # served from our own static files
