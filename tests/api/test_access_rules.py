"""The role questions asked through annotations.access (one predicate, one role check, one
PermissionDenied), and the pages whose role gates use them: each refusal is the 403 page."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotations.access import has_role, require_role, sees_all_work
from annotations.errors import PermissionDenied
from annotations.models import Claim, Membership, Role

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("role", "sees_all", "verifier"),
    [(Role.REVIEWER, False, True), (Role.ADJUDICATOR, True, True), (Role.MANAGER, True, False)],
)
def test_the_predicates_follow_the_roles(role, sees_all, verifier):
    membership = Membership(role=role)
    assert sees_all_work(membership) is sees_all
    assert has_role(membership, roles=(Role.REVIEWER, Role.ADJUDICATOR)) is verifier
    assert has_role(membership, min_role=Role.ADJUDICATOR) is sees_all
    if sees_all:
        require_role(membership, min_role=Role.ADJUDICATOR)
    else:
        with pytest.raises(PermissionDenied):
            require_role(membership, min_role=Role.ADJUDICATOR)
    assert sees_all_work(None) is False and has_role(None) is False


def test_require_role_says_who_may():
    with pytest.raises(PermissionDenied, match="Only reviewers"):
        require_role(Membership(role=Role.MANAGER), roles=[Role.REVIEWER], message="Only reviewers may.")


def test_no_role_rule_is_written_outside_access():
    """Pages, API views and selectors ask access.py; they do not rank roles or raise Django's PermissionDenied."""
    offenders = []
    for path in sorted((ROOT / "annotations").rglob("*.py")):
        if path.name == "access.py" or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("ROLE_RANK", "from django.core.exceptions import PermissionDenied as DjangoPermissionDenied"):
            if needle in text and path.name != "middleware.py":
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []


@pytest.fixture
def web_client(client):
    def make(user):
        client.force_login(user)
        return client

    return make


def test_pages_refuse_the_wrong_role_with_the_403_page(project, manager, reviewer1, web_client):
    claim = Claim.objects.create(project=project, text="ادعاء")
    manager_client = web_client(manager)
    assert manager_client.post(f"/projects/{project.slug}/next/").status_code == 403  # reviewers only
    assert manager_client.get(f"/projects/{project.slug}/claims/verify/").status_code == 403  # verifiers only
    reviewer_client = web_client(reviewer1)
    response = reviewer_client.post(f"/claims/{claim.pk}/", {"verdict": "supported", "version": "1"})
    assert response.status_code == 403  # verdicts: adjudicators and managers
    assert b"Not allowed" in response.content
    claim.refresh_from_db()
    assert claim.verdict != "supported"
