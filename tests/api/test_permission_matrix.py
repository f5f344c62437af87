"""The permission matrix, from the URLconf: every route x method x role answers as this matrix says.

The routes come from the URLconf: a new route that is not in the matrix fails this test, so access
rules are decided when a route is added, not discovered later.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from annotations.models import AgreementRun, Claim, ClaimLink, ExportJob, ImportJob, LabelType, Prediction, Role
from annotations.services.accounts import user_grant_project_creator
from annotations.services.adjudication import gold_span_create
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.exports import export_run_execute
from annotations.services.spans import span_create
from tests.factories import DocumentFactory, MembershipFactory, SourceFactory, UserFactory

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
    # the language switch is for everybody (a cookie; a signed-in person's profile too), then back to the page
    "language-switch": {"POST": dict.fromkeys(ROLES, 302), "GET": dict.fromkeys(ROLES, 405)},
    "javascript-catalog": {"GET": dict.fromkeys(ROLES, 200)},
    "api:root": {"GET": dict.fromkeys(ROLES, 200)},
    "api:token": {
        "POST": dict.fromkeys(ROLES, 400),
        "GET": dict.fromkeys(ROLES, 405),
        "DELETE": {**dict.fromkeys(ROLES, 204), "anonymous": 401},
    },
    "api-schema": {"GET": dict.fromkeys(ROLES, 200)},
    "api-docs": {"GET": dict.fromkeys(ROLES, 200)},
    # creating projects takes the permission annotations.add_project (the users fixture gives it to manager)
    "api:project-list": {
        "GET": {**dict.fromkeys(ROLES, 200), "anonymous": 401},
        "POST": {"anonymous": 401, "outsider": 403, "reviewer1": 403, "adjudicator": 403, "manager": 201},
    },
    "api:project-detail": {
        "GET": {**dict.fromkeys(ROLES, 200), **DENIED_API},
        "PATCH": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 200},
    },
    # project setup (issue 11): labels are read by every member and written by managers
    "api:project-labels": {
        "GET": {**DENIED_API, "reviewer1": 200, "adjudicator": 200, "manager": 200},
        "POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 201},
    },
    "api:label-detail": {
        "PATCH": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 200},
        "DELETE": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 204},
    },
    "api:label-merge": {"POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 200}},
    "api:project-members": {
        "GET": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 200},
        "POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 201},
    },
    "api:membership-detail": {
        "PATCH": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 200},
        "DELETE": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 204},
    },
    "api:project-imports": {
        "GET": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 200},
        "POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 202},
    },
    "api:import-detail": {"GET": {**DENIED_API, "reviewer1": 404, "adjudicator": 404, "manager": 200}},
    "api:document-detail": {
        "GET": {**DENIED_API, "reviewer1": 403, "adjudicator": 200, "manager": 200},
        "DELETE": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 200},
    },
    "api:document-restore": {"POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 200}},
    # reassigning takes a lease back: managers (the reviewer and adjudicators can see it, so 403)
    "api:assignment-release": {"POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 200}},
    # suggestions are shown like the assignment; accepting or rejecting is its reviewer's work
    "api:assignment-suggestions": {"GET": {**DENIED_API, "reviewer1": 200, "adjudicator": 200, "manager": 200}},
    "api:suggestion-accept": {"POST": {**DENIED_API, "reviewer1": 201, "adjudicator": 404, "manager": 404}},
    "api:suggestion-reject": {"POST": {**DENIED_API, "reviewer1": 204, "adjudicator": 404, "manager": 404}},
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
    # undo of a delete: the span's reviewer only (a live span answers itself)
    "api:span-restore": {"POST": {**DENIED_API, "reviewer1": 200, "adjudicator": 404, "manager": 404}},
    # reviewers' notes for the adjudicator: their own span and assignment only
    "api:span-comments": {"POST": {**DENIED_API, "reviewer1": 201, "adjudicator": 404, "manager": 404}},
    "api:document-flags": {"POST": {**DENIED_API, "reviewer1": 201, "adjudicator": 404, "manager": 404}},
    "api:document-flag-detail": {"DELETE": {**DENIED_API, "reviewer1": 204, "adjudicator": 404, "manager": 404}},
    "api:project-documents": {
        "GET": {**DENIED_API, "reviewer1": 403, "adjudicator": 200, "manager": 200},
        "POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 201},
    },
    # agreement results compare reviewers' labels: managers only (blind review); other members get 403
    # on project routes and 404 on run ids, like everybody else
    "api:agreement-runs": {
        "GET": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 200},
        "POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 202},
    },
    "api:agreement-run-detail": {"GET": {**DENIED_API, "reviewer1": 404, "adjudicator": 404, "manager": 200}},
    "api:agreement-run-csv": {"GET": {**DENIED_API, "reviewer1": 404, "adjudicator": 404, "manager": 200}},
    # gold exports: managers only, like agreement (403 on the project's routes, 404 on export ids)
    "api:exports": {
        "GET": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 200},
        "POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 202},
    },
    "api:export-detail": {"GET": {**DENIED_API, "reviewer1": 404, "adjudicator": 404, "manager": 200}},
    "api:export-download": {"GET": {**DENIED_API, "reviewer1": 404, "adjudicator": 404, "manager": 200}},
    "exports-page": {
        "GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 403, "manager": 200}
    },
    "agreement-dashboard": {
        "GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 403, "manager": 200}
    },
    # the audit trail shows every reviewer's work: managers only
    "api:project-audit": {"GET": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 200}},
    "audit-page": {"GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 403, "manager": 200}},
    # the queue hands documents to reviewers only
    "api:queue-next": {
        "GET": {**DENIED_API, "reviewer1": 200, "adjudicator": 403, "manager": 403},
        "POST": {**DENIED_API, "reviewer1": 200, "adjudicator": 403, "manager": 403},
    },
    "api:assignment-skip": {"POST": {**DENIED_API, "reviewer1": 200, "adjudicator": 404, "manager": 404}},
    "queue-next-page": {
        "POST": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 302, "adjudicator": 403, "manager": 403}
    },
    # progress and adjudication show every reviewer's work: adjudicators and managers
    "api:project-progress": {"GET": {**DENIED_API, "reviewer1": 403, "adjudicator": 200, "manager": 200}},
    "api:adjudication-queue": {"GET": {**DENIED_API, "reviewer1": 403, "adjudicator": 200, "manager": 200}},
    "api:adjudication": {"GET": {**DENIED_API, "reviewer1": 403, "adjudicator": 200, "manager": 200}},
    "api:gold-spans": {"POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 201, "manager": 201}},
    "api:accept-agreed": {"POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 200, "manager": 200}},
    "api:gold-reliability": {"PUT": {**DENIED_API, "reviewer1": 403, "adjudicator": 200, "manager": 200}},
    # the first finalize wins; the next one is told who decided (409)
    "api:finalize": {"POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 200, "manager": 409}},
    "api:gold-span-detail": {
        "PATCH": {**DENIED_API, "reviewer1": 403, "adjudicator": 200, "manager": 200},
        "DELETE": {**DENIED_API, "reviewer1": 403, "adjudicator": 204, "manager": 404},
    },
    "api:gold-rejections": {"POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 201, "manager": 201}},
    "api:adjudication-done": {"GET": {**DENIED_API, "reviewer1": 403, "adjudicator": 200, "manager": 200}},
    # the work fixture's gold is not final: a manager's reopen is a conflict
    "api:adjudication-reopen": {"POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 409}},
    "adjudication-reopen-page": {
        "POST": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 403, "manager": 302}
    },
    "api:gold-span-reliability": {"PUT": {**DENIED_API, "reviewer1": 403, "adjudicator": 200, "manager": 200}},
    "api:gold-claim-links": {"POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 201, "manager": 201}},
    # claims are the project's; evidence links and grades are their reviewer's own work
    "api:claims": {
        "GET": {**DENIED_API, "reviewer1": 200, "adjudicator": 200, "manager": 200},
        "POST": {**DENIED_API, "reviewer1": 201, "adjudicator": 201, "manager": 201},
    },
    "api:claims-similar": {"GET": {**DENIED_API, "reviewer1": 200, "adjudicator": 200, "manager": 200}},
    "api:claims-disputed": {"GET": {**DENIED_API, "reviewer1": 403, "adjudicator": 200, "manager": 200}},
    "api:claim-queue-next": {"GET": {**DENIED_API, "reviewer1": 204, "adjudicator": 204, "manager": 403}},
    "api:claim-detail": {
        "GET": {**DENIED_API, "reviewer1": 200, "adjudicator": 200, "manager": 200},
        "PATCH": {**DENIED_API, "reviewer1": 403, "adjudicator": 200, "manager": 409},
    },
    # reviewer1 linked the claim (never theirs to verify); its only evidence is not submitted yet
    "api:claim-verifications": {"POST": {**DENIED_API, "reviewer1": 403, "adjudicator": 403, "manager": 403}},
    "api:span-claim-links": {"POST": {**DENIED_API, "reviewer1": 201, "adjudicator": 404, "manager": 404}},
    "api:claim-link-detail": {"DELETE": {**DENIED_API, "reviewer1": 204, "adjudicator": 404, "manager": 404}},
    "api:assignment-reliability": {"PUT": {**DENIED_API, "reviewer1": 200, "adjudicator": 404, "manager": 404}},
    "claims-page": {"GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 200, "adjudicator": 200, "manager": 200}},
    "claim-verify-page": {
        "GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 200, "adjudicator": 200, "manager": 403}
    },
    "claim-page": {
        "GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 200, "adjudicator": 200, "manager": 200},
        "POST": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 302, "manager": 302},
    },
    "source-page": {"GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 200, "manager": 200}},
    "adjudication-queue-page": {
        "GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 200, "manager": 200}
    },
    # project setup pages (issue 11): forms post to the page; an empty form is refused on the page (200) or
    # names no document (404)
    "project-create-page": {
        "GET": {"anonymous": LOGIN, "outsider": 403, "reviewer1": 403, "adjudicator": 403, "manager": 200},
        "POST": {"anonymous": LOGIN, "outsider": 403, "reviewer1": 403, "adjudicator": 403, "manager": 200},
    },
    "project-settings-page": {
        "GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 403, "manager": 200},
        "POST": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 403, "manager": 302},
    },
    "labels-page": {
        "GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 403, "manager": 200},
        "POST": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 403, "manager": 302},
    },
    "members-page": {
        "GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 403, "manager": 200},
        "POST": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 403, "manager": 302},
    },
    "import-page": {"GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 403, "manager": 200}},
    "documents-page": {
        "GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 200, "manager": 200},
        "POST": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 403, "manager": 404},
    },
    "document-view-page": {
        "GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 200, "manager": 200},
        "POST": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 403, "manager": 404},
    },
    "adjudication-page": {
        "GET": {"anonymous": LOGIN, "outsider": 404, "reviewer1": 403, "adjudicator": 200, "manager": 200}
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
    user_grant_project_creator(user=manager)
    return {"outsider": outsider, "reviewer1": reviewer1, "adjudicator": adjudicator, "manager": manager}


@pytest.fixture
def work(project, reviewer1, reviewer2, adjudicator, document, settings, tmp_path):
    """The objects the routes with ids point at: reviewer1's open assignment with one span, an agreement
    run, and a document that two other reviewers submitted, with one gold span and a claim."""
    assignment = assignment_open(document=document, reviewer=reviewer1)
    span = span_create(assignment=assignment, start=0, end=2, label="actor")
    run = AgreementRun.objects.create(project=project, status="done")
    source = SourceFactory(name="المرصد السوري لحقوق الإنسان")
    ready = DocumentFactory(project=project, source=source)
    reviewer3 = UserFactory(username="reviewer3")
    MembershipFactory(project=project, user=reviewer3, role=Role.REVIEWER)
    for reviewer in (reviewer2, reviewer3):
        done = assignment_open(document=ready, reviewer=reviewer)
        span_create(assignment=done, start=0, end=2, label="actor")
        assignment_submit(assignment=done)
    ready.refresh_from_db()
    gold = gold_span_create(document=ready, adjudicator=adjudicator, start=0, end=2, label="actor")
    claim = Claim.objects.create(project=project, text="هاجم عناصر داعش قوات النظام")
    link = ClaimLink.objects.create(span=span, claim=claim, stance="mentions")
    settings.EXPORT_ROOT = tmp_path / "exports"
    export = ExportJob.objects.create(project=project, format="jsonl")
    export_run_execute(export_id=export.id)  # done, with its (small, real) files
    unused = LabelType.objects.create(project=project, name="unused", color="#0072B2", order=9)
    UserFactory(username="newcomer")
    leaver = MembershipFactory(project=project, user=UserFactory(username="leaver"), role=Role.REVIEWER)
    imported = ImportJob.objects.create(project=project, file_name="a.jsonl", status="done")
    suggestion = Prediction.objects.create(
        document=document, label=unused, start=0, end=2, text=document.text[0:2], score=0.9
    )
    return {
        "label_id": unused.id,
        "into_label_id": LabelType.objects.get(project=project, name="actor").id,
        "membership_id": leaver.id,
        "import_id": imported.id,
        "prediction_id": suggestion.id,
        "assignment_id": assignment.id,
        "span_id": span.id,
        "run_id": run.id,
        "document_id": ready.id,
        "gold_span_id": gold.id,
        "claim_id": claim.id,
        "link_id": link.id,
        "source_id": source.id,
        "export_id": export.id,
    }


def client_for(role, users):
    client = APIClient()
    if role != "anonymous":
        client.force_login(users[role])
    return client


def url_for(name, project, work):
    from django.urls import reverse

    kwargs = {"project_id": project.id, "slug": project.slug, "kind": "unclear", **work}
    pattern = named_routes()[name]
    wanted = {key: kwargs[key] for key in pattern.pattern.converters}
    return reverse(name, kwargs=wanted)


BODIES = {
    "api:project-documents": {"text": "خبر من مصفوفة الصلاحيات"},
    "api:token": {"username": "x", "password": "y"},
    "api:assignment-spans": {"start": 0, "end": 2, "label": "place"},
    "api:span-detail": {"version": 1, "label": "place"},
    "api:assignment-skip": {"reason": "off topic"},
    "api:gold-spans": {"start": 0, "end": 2, "label": "place"},
    "api:gold-reliability": {"source_reliability": "B", "credibility": 2},
    "api:gold-span-reliability": {"source_reliability": "C", "credibility": 3},
    "api:adjudication-reopen": {"reason": "a label was misread"},
    "api:gold-rejections": {"start": 0, "end": 2, "label": "actor"},
    "api:span-comments": {"text": "المصدر منقول عن وكالة"},
    "api:document-flags": {"kind": "unclear"},
    "api:gold-claim-links": lambda work: {"claim": work["claim_id"], "stance": "supports"},
    "api:claims": {"text": "قُتل 30 عنصراً في البادية", "force": True},
    "api:claim-detail": {"verdict": "supported", "version": 1},
    "api:claim-verifications": {"verdict": "supported"},
    "api:span-claim-links": lambda work: {"claim": work["claim_id"], "stance": "supports"},
    "api:assignment-reliability": {"source_reliability": "B", "credibility": 2},
    "api:exports": {"format": "jsonl"},
    "api:project-list": {"slug": "new-desk", "name": "New desk"},
    "api:project-detail": {"name": "أخبار البادية (renamed)"},
    "api:project-labels": {"name": "weapon", "color": "#0072B2", "hotkey": "9"},
    "api:label-detail": {"name_en": "Unused"},
    "api:label-merge": lambda work: {"into": work["into_label_id"]},
    "api:project-members": {"username": "newcomer", "role": "reviewer"},
    "api:membership-detail": {"quota": 5},
}
# multipart uploads: a fresh file each request
MULTIPART = {
    "api:project-imports": lambda: {"file": SimpleUploadedFile("new.txt", "خبر عاجل من البادية السورية اليوم".encode())}
}


def body_for(name, work):
    body = BODIES.get(name, {})
    return body(work) if callable(body) else body


def test_every_route_is_in_the_matrix():
    assert set(named_routes()) == set(MATRIX)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_route_answers_as_the_matrix_says(name, users, project, work):
    url = url_for(name, project, work)
    for method, expected_by_role in MATRIX[name].items():
        for role in ROLES:
            client = client_for(role, users)
            if name in MULTIPART and method == "POST":
                response = client.generic(
                    method, url, data=encode_multipart(BOUNDARY, MULTIPART[name]()), content_type=MULTIPART_CONTENT
                )
            else:
                body = json.dumps(body_for(name, work))
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
