"""The demo project: a label set for conflict-event news, the two seed articles, five accounts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from annotations.models import LabelType, Membership, Project, Role
from annotations.services.accounts import user_grant_project_creator
from annotations.services.assignments import assignment_open
from annotations.services.documents import ImportResult, documents_import

DEMO_SLUG = "demo"
SEED_DIR = Path(__file__).resolve().parent.parent / "demo" / "seeds"

# (name, Arabic name, colour, hotkey, description). Colours: Okabe-Ito, readable by colour-blind reviewers.
CONFLICT_EVENT_LABELS = [
    ("actor", "فاعل", "#0072B2", "1", "A person, armed group, force or institution that acts or is acted upon."),
    ("place", "مكان", "#009E73", "2", "A named place: town, road, region, site."),
    ("date_time", "تاريخ/وقت", "#CC79A7", "3", "A date, time or relative time expression."),
    ("casualty_figure", "عدد الضحايا", "#D55E00", "4", "A number of people killed, wounded, captured or missing."),
    ("weapon", "سلاح", "#E69F00", "5", "A weapon or means of attack."),
    ("attributed_source", "مصدر منسوب", "#56B4E9", "6", "A source the article quotes or cites."),
    ("event", "حدث", "#5B5B5B", "7", "The event itself: attack, clash, explosion, arrest."),
]

# English names for the interface (the identifiers above stay what exports and the API use).
LABEL_NAMES_EN = {
    "actor": "Actor",
    "place": "Place",
    "date_time": "Date/time",
    "casualty_figure": "Casualty figure",
    "weapon": "Weapon",
    "attributed_source": "Attributed source",
    "event": "Event",
}

DEMO_USERS = [
    ("manager", Role.MANAGER),
    ("adjudicator", Role.ADJUDICATOR),
    ("reviewer1", Role.REVIEWER),
    ("reviewer2", Role.REVIEWER),
    ("reviewer3", Role.REVIEWER),
]


@dataclass
class DemoSeedResult:
    project: Project
    project_created: bool
    users_created: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)  # only passwords set by this run
    imported: ImportResult | None = None


def labels_ensure(project: Project, labels=CONFLICT_EVENT_LABELS) -> int:
    created = 0
    for order, (name, name_ar, color, hotkey, description) in enumerate(labels):
        _, was_created = LabelType.objects.get_or_create(
            project=project,
            name=name,
            defaults={
                "name_ar": name_ar,
                "name_en": LABEL_NAMES_EN.get(name, ""),
                "color": color,
                "hotkey": hotkey,
                "order": order,
                "description": description,
            },
        )
        created += was_created
    return created


def demo_seed(*, password: str | None = None) -> DemoSeedResult:
    """Idempotent: a second run adds nothing. A given password is (re)set on the demo accounts;
    without one, new accounts get a random password each and existing ones keep theirs."""
    User = get_user_model()
    with transaction.atomic():
        project, project_created = Project.objects.get_or_create(
            slug=DEMO_SLUG,
            defaults={
                "name": "أخبار البادية السورية — Syrian Badia conflict news (demo)",
                "guidelines": (
                    "Mark every actor, place, date or time, casualty figure, weapon, attributed source and event. "
                    "Select whole words; overlapping spans are allowed (a place inside an event)."
                ),
                "overlap_k": 2,
            },
        )
        labels_ensure(project)
        result = DemoSeedResult(project=project, project_created=project_created)
        for username, role in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            if created or password:
                chosen = password or secrets.token_urlsafe(12)
                user.set_password(chosen)
                user.save()
                result.passwords[username] = chosen
            if created:
                result.users_created.append(username)
            Membership.objects.get_or_create(project=project, user=user, defaults={"role": role})
            if role == Role.MANAGER:
                user_grant_project_creator(user=user)  # the demo desk lead creates projects in the browser
        result.imported = documents_import(project=project, paths=sorted(SEED_DIR.glob("*.txt")))
        # The first k reviewers get every seed article, so the workspace has work in it straight away.
        reviewers = User.objects.filter(username__in=[name for name, role in DEMO_USERS if role == Role.REVIEWER])
        for document in project.documents.order_by("id"):
            for reviewer in reviewers.order_by("username")[: project.overlap_k]:
                assignment_open(document=document, reviewer=reviewer)
    return result
