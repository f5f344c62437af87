"""Running a project without the admin: create and edit projects, labels, members (issue 11).

Each endpoint with each role (anonymous, outsider, reviewer, adjudicator, manager) and its refusals;
the rows left behind are checked, not only the answers."""

import pytest
from django.core.management import call_command

from annotations.models import Assignment, AssignmentStatus, AuditEntry, LabelType, Membership, Project, Role, Span
from annotations.services.accounts import user_grant_project_creator
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.projects import contrast_on_white
from annotations.services.queue import assignment_lease_next
from annotations.services.spans import span_create
from tests.factories import DocumentFactory, UserFactory

NEW = {
    "slug": "aleppo-desk",
    "name": "مكتب حلب",
    "overlap_k": 3,
    "lease_minutes": 45,
    "snap_to_words": False,
    "claim_verifiers": 2,
    "guidelines": "# Rules\n\nMark **actors**.",
    "labels": [
        {"name": "actor", "name_ar": "فاعل", "name_en": "Actor", "color": "#0072B2", "hotkey": "a"},
        {"name": "place", "name_ar": "مكان", "color": "#009E73", "hotkey": "p"},
    ],
}


@pytest.fixture
def creator(project, manager):
    user_grant_project_creator(user=manager)
    return manager


# --- projects -------------------------------------------------------------------------------------------
def test_a_holder_of_add_project_creates_a_project_and_manages_it(creator, api_client_for):
    response = api_client_for(creator).post("/api/projects/", NEW, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["role"] == "manager" and body["overlap_k"] == 3 and body["claim_verifiers"] == 2
    assert [(label["name"], label["hotkey"], label["order"]) for label in body["labels"]] == [
        ("actor", "a", 0),
        ("place", "p", 1),
    ]
    project = Project.objects.get(slug="aleppo-desk")
    assert Membership.objects.get(project=project).user == creator
    assert project.snap_to_words is False and project.lease_minutes == 45
    kinds = list(AuditEntry.objects.filter(project=project).order_by("id").values_list("kind", flat=True))
    assert kinds == ["project.created", "label.created", "label.created"]


# django_db: the role's fixture is asked for by name, so pytest-django cannot see that the test uses the
# database; unmarked, it ran last, after the browser tests, and left a database session open.
@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer1", "adjudicator", "manager", "outsider"])
def test_without_the_permission_nobody_creates_projects(role, request, api_client_for):
    user = request.getfixturevalue(role)
    response = api_client_for(user).post("/api/projects/", NEW, format="json")
    assert response.status_code == 403
    assert not Project.objects.filter(slug="aleppo-desk").exists()


def test_anonymous_cannot_create(api_client_for, db):
    assert api_client_for().post("/api/projects/", NEW, format="json").status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "badia"}, "slug"),  # taken
        ({"slug": "has space"}, "slug"),
        ({"slug": "new"}, "slug"),  # the address of the create page
        ({"name": ""}, "name"),
        ({"overlap_k": 0}, "overlap_k"),
        ({"lease_minutes": "30"}, "lease_minutes"),
        ({"labels": [{"name": "a", "hotkey": "1"}, {"name": "b", "hotkey": "1"}]}, "hotkey"),
        ({"labels": [{"name": "a", "color": "#FFFF66"}]}, "color"),
    ],
)
def test_project_create_refusals_name_the_field(creator, api_client_for, change, field):
    response = api_client_for(creator).post("/api/projects/", {**NEW, **change}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body or any(field in str(value) for value in body.values()), body
    assert Project.objects.count() == 1  # nothing half-created: labels and project are one transaction


def test_managers_edit_settings_others_403(project, manager, adjudicator, reviewer1, api_client_for):
    url = f"/api/projects/{project.id}/"
    for user in (reviewer1, adjudicator):
        assert api_client_for(user).patch(url, {"overlap_k": 3}, format="json").status_code == 403
    response = api_client_for(manager).patch(url, {"overlap_k": 3, "guidelines": "Be *careful*."}, format="json")
    assert response.status_code == 200
    assert response.json()["overlap_k"] == 3
    project.refresh_from_db()
    assert project.overlap_k == 3 and project.guidelines == "Be *careful*."
    entry = AuditEntry.objects.get(kind="project.changed")
    assert entry.before == {"overlap_k": 2, "guidelines": ""}
    assert api_client_for(manager).patch(url, {"slug": "renamed"}, format="json").json()["slug"] == "badia"


def test_grant_project_creator_command(db, capsys):
    user = UserFactory(username="desk_lead")
    call_command("grant_project_creator", "desk_lead")
    assert user.__class__.objects.get(pk=user.pk).has_perm("annotations.add_project")
    with pytest.raises(Exception, match="No user named"):
        call_command("grant_project_creator", "nobody")


# --- labels ---------------------------------------------------------------------------------------------
def labels_url(project):
    return f"/api/projects/{project.id}/labels/"


def test_every_member_lists_labels_managers_add(project, manager, adjudicator, reviewer1, outsider, api_client_for):
    for user in (reviewer1, adjudicator, manager):
        body = api_client_for(user).get(labels_url(project)).json()
        assert [label["name"] for label in body["results"]] == ["actor", "place", "casualty_figure"]
    assert api_client_for(outsider).get(labels_url(project)).status_code == 404
    new = {"name": "weapon", "name_ar": "سلاح", "color": "#D55E00", "hotkey": "w"}
    for user in (reviewer1, adjudicator):
        assert api_client_for(user).post(labels_url(project), new, format="json").status_code == 403
    response = api_client_for(manager).post(labels_url(project), new, format="json")
    assert response.status_code == 201
    assert response.json()["order"] == 3  # appended after the last one


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "actor"}, "name"),  # taken
        ({"name": "x", "hotkey": "1"}, "hotkey"),  # actor's
        ({"name": "x", "hotkey": "ab"}, "hotkey"),
        ({"name": "x", "color": "red"}, "color"),
        ({"name": "x", "color": "#FFFFFF"}, "color"),
        ({"name": "x", "color": "#F0E442"}, "color"),  # Okabe-Ito yellow: 1.3:1 on white
        ({"name": ""}, "name"),
    ],
)
def test_label_refusals(project, manager, api_client_for, body, field):
    response = api_client_for(manager).post(labels_url(project), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert LabelType.objects.filter(project=project).count() == 3


def test_contrast_is_wcag_relative_luminance():
    # WCAG 2.1 definitions: black on white is 21:1, white on white 1:1; #767676 is the classic 4.54:1 grey.
    assert contrast_on_white("#000000") == pytest.approx(21.0)
    assert contrast_on_white("#FFFFFF") == pytest.approx(1.0)
    assert contrast_on_white("#767676") == pytest.approx(4.54, abs=0.01)


def test_rename_keeps_spans_delete_in_use_is_409_naming_the_count(project, manager, reviewer1, api_client_for):
    document = DocumentFactory(project=project)
    assignment = assignment_open(document=document, reviewer=reviewer1)
    span_create(assignment=assignment, start=0, end=2, label="actor")
    span_create(assignment=assignment, start=3, end=9, label="actor")
    actor = LabelType.objects.get(project=project, name="actor")
    client = api_client_for(manager)
    response = client.patch(f"/api/labels/{actor.id}/", {"name": "agent", "hotkey": "g"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "agent"
    assert Span.objects.filter(label__name="agent").count() == 2
    response = client.delete(f"/api/labels/{actor.id}/")
    assert response.status_code == 409
    assert response.json()["spans"] == 2
    assert "2 span(s)" in response.json()["detail"]
    assert LabelType.objects.filter(pk=actor.pk).exists()
    unused = LabelType.objects.get(project=project, name="casualty_figure")
    assert client.delete(f"/api/labels/{unused.id}/").status_code == 204
    assert not LabelType.objects.filter(pk=unused.pk).exists()


def test_label_writes_by_other_roles(project, adjudicator, reviewer1, outsider, api_client_for):
    label = LabelType.objects.get(project=project, name="actor")
    for user, expected in ((reviewer1, 403), (adjudicator, 403), (outsider, 404)):
        client = api_client_for(user)
        assert client.patch(f"/api/labels/{label.id}/", {"name": "x"}, format="json").status_code == expected
        assert client.delete(f"/api/labels/{label.id}/").status_code == expected
        assert client.post(f"/api/labels/{label.id}/merge/", {"into": label.id}, format="json").status_code == expected
    assert LabelType.objects.get(pk=label.pk).name == "actor"


def test_merge_moves_every_span_in_one_transaction(project, manager, reviewer1, reviewer2, api_client_for):
    document = DocumentFactory(project=project)
    first = assignment_open(document=document, reviewer=reviewer1)
    span_create(assignment=first, start=0, end=2, label="casualty_figure")
    span_create(assignment=first, start=0, end=2, label="actor")  # the same span under both labels
    second = assignment_open(document=document, reviewer=reviewer2)
    span_create(assignment=second, start=3, end=9, label="casualty_figure")
    source = LabelType.objects.get(project=project, name="casualty_figure")
    target = LabelType.objects.get(project=project, name="actor")
    client = api_client_for(manager)
    assert client.post(f"/api/labels/{source.id}/merge/", {"into": source.id}, format="json").status_code == 400
    assert client.post(f"/api/labels/{source.id}/merge/", {"into": 999999}, format="json").status_code == 400
    response = client.post(f"/api/labels/{source.id}/merge/", {"into": target.id}, format="json")
    assert response.status_code == 200, response.content
    assert response.json().items() >= {"spans": 1, "duplicates": 1}.items()
    assert not LabelType.objects.filter(pk=source.pk).exists()
    assert sorted(Span.objects.values_list("assignment_id", "start", "label__name")) == [
        (first.id, 0, "actor"),
        (second.id, 3, "actor"),
    ]
    assert AuditEntry.objects.filter(kind="label.merged").count() == 1


# --- members --------------------------------------------------------------------------------------------
def members_url(project):
    return f"/api/projects/{project.id}/members/"


def test_members_list_add_by_username_or_email(project, manager, adjudicator, reviewer1, outsider, api_client_for):
    UserFactory(username="newcomer", email="new@example.org")
    UserFactory(username="other")
    for user, expected in ((reviewer1, 403), (adjudicator, 403), (outsider, 404)):
        assert api_client_for(user).get(members_url(project)).status_code == expected
        response = api_client_for(user).post(
            members_url(project), {"username": "other", "role": "reviewer"}, format="json"
        )
        assert response.status_code == expected
    client = api_client_for(manager)
    body = client.get(members_url(project)).json()
    assert {row["username"] for row in body["results"]} == {"manager", "adjudicator", "reviewer1"}
    response = client.post(
        members_url(project), {"email": "NEW@example.org", "role": "reviewer", "quota": 10}, format="json"
    )
    assert response.status_code == 201
    assert response.json().items() >= {"username": "newcomer", "role": "reviewer", "quota": 10}.items()
    assert (
        client.post(members_url(project), {"username": "newcomer", "role": "reviewer"}, format="json").status_code
        == 409
    )
    for body, field in (
        ({"username": "ghost", "role": "reviewer"}, "username"),
        ({"email": "ghost@example.org", "role": "reviewer"}, "email"),
        ({"username": "other", "role": "boss"}, "role"),
        ({"role": "reviewer"}, "username"),
        ({"username": "other", "role": "reviewer", "quota": -1}, "quota"),
    ):
        response = client.post(members_url(project), body, format="json")
        assert response.status_code == 400 and field in response.json(), (body, response.json())
    assert not Membership.objects.filter(project=project, user__username="other").exists()


def test_change_role_and_quota_keep_a_manager(project, manager, reviewer1, api_client_for):
    client = api_client_for(manager)
    mine = Membership.objects.get(project=project, user=manager)
    theirs = Membership.objects.get(project=project, user=reviewer1)
    response = client.patch(f"/api/memberships/{theirs.id}/", {"role": "adjudicator", "quota": 4}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "adjudicator"
    assert client.patch(f"/api/memberships/{mine.id}/", {"role": "reviewer"}, format="json").status_code == 409
    assert client.delete(f"/api/memberships/{mine.id}/").status_code == 409
    assert api_client_for(reviewer1).delete(f"/api/memberships/{mine.id}/").status_code == 403


def test_removing_a_reviewer_releases_leases_and_keeps_submitted_work(project, manager, reviewer1, api_client_for):
    done_document, open_document = DocumentFactory(project=project), DocumentFactory(project=project)
    done = assignment_open(document=done_document, reviewer=reviewer1)
    span_create(assignment=done, start=0, end=2, label="actor")
    assignment_submit(assignment=done)
    leased = assignment_lease_next(project=project, reviewer=reviewer1)
    assert leased.document_id == open_document.id
    membership = Membership.objects.get(project=project, user=reviewer1)
    assert api_client_for(manager).delete(f"/api/memberships/{membership.id}/").status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Assignment.objects.get(pk=leased.pk).status == AssignmentStatus.EXPIRED
    open_document.refresh_from_db()
    assert open_document.slots_taken == 0  # back in the queue
    assert Assignment.objects.get(pk=done.pk).status == AssignmentStatus.SUBMITTED
    assert Span.objects.filter(assignment=done).count() == 1
    assert AuditEntry.objects.filter(kind="assignment.released", object_id=leased.pk).exists()


def test_seed_demo_manager_may_create_projects(db):
    call_command("seed_demo", password="demo-pass-1", force=True)
    manager = UserFactory._meta.model.objects.get(username="manager")
    assert manager.has_perm("annotations.add_project")
    assert Membership.objects.get(user=manager).role == Role.MANAGER


def test_lists_take_a_fixed_number_of_queries(project, manager, api_client_for, django_assert_max_num_queries):
    """Labels and members: the same number of queries for 3 rows as for 30 (no query per row)."""
    client = api_client_for(manager)
    for n in range(30):
        LabelType.objects.create(project=project, name=f"extra{n}", color="#0072B2", order=10 + n)
        user = UserFactory(username=f"member{n}")
        Membership.objects.create(project=project, user=user, role=Role.REVIEWER)
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/projects/{project.id}/labels/?page_size=100").json()["count"] == 33
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/projects/{project.id}/members/?page_size=100").json()["count"] == 31
