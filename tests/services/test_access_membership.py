"""`membership_for` reads the membership and its project with SQL written once: what it returns must equal
what the ORM's `select_related` query returns, value for value and type for type (SQLite stores booleans
as integers and dates as text: the ORM's converters apply)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from annotations.access import membership_for
from annotations.models import Membership, Project


def _values(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def _typed(values):
    return {name: (type(value), value) for name, value in values.items()}


def test_the_membership_and_its_project_equal_the_orm_read(project, manager, django_assert_num_queries):
    Project.objects.filter(pk=project.pk).update(snap_to_words=False, guidelines="اقرأ الخبر كاملاً")
    expected = Membership.objects.select_related("project").get(project=project, user=manager)
    with django_assert_num_queries(1):  # the project comes with it
        found = membership_for(manager, str(project.pk))
        assert _typed(_values(found.project)) == _typed(_values(expected.project))
    assert _typed(_values(found)) == _typed(_values(expected))
    assert found.project.snap_to_words is False and found.project.created_at.tzinfo is not None
    assert not found._state.adding and found.project_id == found.project.pk == project.pk


@pytest.mark.parametrize("project_id", [None, "x", "", 2**63, -(2**63) - 1, 10**30])
def test_no_membership_for_an_id_that_cannot_be_one(project, manager, project_id):
    assert membership_for(manager, project_id) is None


def test_no_membership_for_a_stranger_or_an_anonymous_user(project, outsider):
    assert membership_for(outsider, project.pk) is None
    assert membership_for(AnonymousUser(), project.pk) is None
