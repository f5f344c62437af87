"""SECURITY-TESTS 3: every route x method x role answers as this matrix says.

The routes come from the URLconf: a new route that is not in the matrix fails this test, so access
rules are decided when a route is added, not discovered later.
"""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from annotations.models import Assignment
from annotations.services.spans import span_create

ROLES = ["anonymous", "outsider", "reviewer1", "adjudicator", "manager"]
ALL = dict.fromkeys(ROLES)
DENIED_API = {"anonymous": 401, "outsider": 404}
LOGIN = 302  # pages send anonymous visitors to the sign-in page

# route name -> method -> role -> expected status
MATRIX = {
    "home": {"GET": {"anonymous": LOGIN, "outsider": 200, "reviewer1": 200, "adjudicator": 200, "manager": 200}},
    "project": {"GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 200, "adjudicator": 200, "manager": 200}},
    "login": {"GET": {"anonymous": 200, "outsider": 302, "reviewer1": 302, "adjudicator": 302, "manager": 302}},
    "logout": {"POST": dict.fromkeys(ROLES, 302), "GET": dict.fromkeys(ROLES, 405)},
    "healthz": {"GET": dict.fromkeys(ROLES, 200), "POST": dict.fromkeys(ROLES, 405)},
    "api:root": {"GET": dict.fromkeys(ROLES, 200)},
    "api:token": {"POST": dict.fromkeys(ROLES, 400), "GET": dict.fromkeys(ROLES, 405)},
    "api-schema": {"GET": dict.fromkeys(ROLES, 200)},
    "api-docs": {"GET": dict.fromkeys(ROLES, 200)},
    "api:project-list": {"GET": {**dict.fromkeys(ROLES, 200), "anonymous": 401}},
    "api:project-detail": {"GET": {**dict.fromkeys(ROLES, 200), **DENIED_API}},
    "workspace": {"GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 200, "adjudicator": 200, "manager": 200}},
    "api:assignment-list": {"GET": {**dict.fromkeys(ROLES, 200), "anonymous": 401}},
    "api:assignment-detail": {"GET": {**DENIED_API, "reviewer1": 200, "adjudicator": 200, "manager": 200}},
    # writes belong to the assignment's reviewer alone; for anyone else the assignment does not exist
    "api:assignment-spans": {"POST": {**DENIED_API, "reviewer1": 201, "adjudicator": 404, "manager": 404}},
    "api:assignment-submit": {"POST": {**DENIED_API, "reviewer1": 200, "adjudicator": 404, "manager": 404}},
    "api:span-detail": {
        "PATCH": {**DENIED_API, "reviewer1": 200, "adjudicator": 404, "manager": 404},
        "DELETE": {**DENIED_API, "reviewer1": 204, "adjudicator": 404, "manager": 404},
    },
    "api:project-documents": {
        "GET": {**DENIED_API, "reviewer1": 403, "adjudicator": 200, "manager": 200},
        "POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 201},
    },
}
# Django's admin checks is_staff itself; none of these users is staff.
ADMIN_NAMESPACE = "admin"
API_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def named_routes():
    found = {}

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == ADMIN_NAMESPACE:
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"unnamed route {pattern.pattern}: name it and put it in the matrix"
                found[f"{namespace}:{pattern.name}" if namespace else pattern.name] = pattern

    walk(get_resolver().url_patterns)
    return found


@pytest.fixture
def users(project, manager, adjudicator, reviewer1, outsider):
    return {"outsider": outsider, "reviewer1": reviewer1, "adjudicator": adjudicator, "manager": manager}


@pytest.fixture
def work(project, reviewer1, document):
    """reviewer1's assignment with one span: the objects the routes with ids point at."""
    assignment = Assignment.objects.create(document=document, reviewer=reviewer1)
    span = span_create(assignment=assignment, start=0, end=2, label="actor")
    return {"assignment_id": assignment.id, "span_id": span.id}


def client_for(role, users):
    client = APIClient()
    if role != "anonymous":
        client.force_login(users[role])
    return client


def url_for(name, project, work):
    from django.urls import reverse

    kwargs = {"project_id": project.id, "slug": project.slug, **work}
    pattern = named_routes()[name]
    wanted = {key: kwargs[key] for key in pattern.pattern.converters}
    return reverse(name, kwargs=wanted)


BODIES = {
    "api:project-documents": {"text": "خبر من مصفوفة الصلاحيات"},
    "api:token": {"username": "x", "password": "y"},
    "api:assignment-spans": {"start": 0, "end": 2, "label": "place"},
    "api:span-detail": {"version": 1, "label": "place"},
}


def test_every_route_is_in_the_matrix():
    assert set(named_routes()) == set(MATRIX)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_route_answers_as_the_matrix_says(name, users, project, work):
    url = url_for(name, project, work)
    for method, expected_by_role in MATRIX[name].items():
        for role in ROLES:
            client = client_for(role, users)
            body = json.dumps(BODIES.get(name, {}))
            response = client.generic(method, url, data=body, content_type="application/json")
            assert response.status_code == expected_by_role[role], (name, method, role, response.content[:200])
            if role == "outsider" and expected_by_role[role] == 404:
                assert project.name.encode() not in response.content


@pytest.mark.parametrize("name", sorted(n for n in MATRIX if n.startswith("api:") and n != "api:root"))
def test_other_methods_are_405_for_members(name, users, project, work):
    url = url_for(name, project, work)
    for method in set(API_METHODS) - set(MATRIX[name]):
        owner = "reviewer1" if "assignment" in name or "span" in name else "manager"
        response = client_for(owner, users).generic(method, url)
        assert response.status_code == 405, (name, method)
        assert response.json() == {"detail": f'Method "{method}" not allowed.'}


def test_admin_is_for_staff_only(users, client):
    for role in ("reviewer1", "manager"):
        client.force_login(users[role])
        assert client.get("/admin/").status_code == 302
