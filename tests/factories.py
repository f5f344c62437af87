"""Test data built through the real models (and services where they add behaviour)."""

import factory
from django.contrib.auth import get_user_model

from annotations.models import Document, LabelType, Membership, Project, Role, Source


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    slug = factory.Sequence(lambda n: f"project-{n}")
    name = factory.Sequence(lambda n: f"مشروع {n}")


class LabelTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LabelType

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"label{n}")
    name_ar = "وسم"
    color = "#0072B2"
    order = factory.Sequence(int)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.REVIEWER


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Outlet {n}")


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"خبر {n}")
    text = factory.Sequence(lambda n: f"شن عناصر تنظيم داعش هجوماً على مواقع قوات النظام رقم {n}.")
