"""Setting a project up without the admin: the project, its labels and its members.

The API and the pages call these; each write records an audit entry in its own transaction."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations.errors import ApplicationError, Conflict, PermissionDenied
from annotations.models import (
    Assignment,
    AssignmentStatus,
    Document,
    GoldSpan,
    LabelType,
    Membership,
    Prediction,
    Project,
    Role,
    Span,
)
from annotations.services.audit import audit_record

CREATE_PERMISSION = "annotations.add_project"
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOR = "#1f77b4"
RESERVED_SLUGS = {"new"}
# The Okabe-Ito colour-blind-safe palette (its yellow left out: too pale on white), offered in turn.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#5B5B5B")


def label_next_color(project: Project) -> str:
    """The first palette colour the project does not use yet (the default of the next label)."""
    used = {color.lower() for color in LabelType.objects.filter(project=project).values_list("color", flat=True)}
    return next(
        (color for color in PALETTE if color.lower() not in used), DEFAULT_COLOR
    )  # /projects/new/ is the create page


# A label's colour is drawn as a chip and an underline on the white page. WCAG 2.1 asks 3:1 of non-text
# graphics (SC 1.4.11); the colour-blind-safe Okabe-Ito palette our demo uses reaches 2.3:1 at its
# lightest (#56B4E9), so we refuse below 2:1: pale yellows and pastels that vanish on white.
MIN_CONTRAST_ON_WHITE = 2.0
PROJECT_FIELDS = ("name", "overlap_k", "lease_minutes", "snap_to_words", "claim_verifiers", "guidelines")
LABEL_FIELDS = ("name", "name_ar", "name_en", "color", "hotkey", "order", "description")


def _refuse(field: str, message: str):
    raise ApplicationError(message, fields={field: [message]})


def _relative_luminance(color: str) -> float:
    """WCAG 2.1 relative luminance of #rrggbb."""
    channels = []
    for index in (1, 3, 5):
        value = int(color[index : index + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_on_white(color: str) -> float:
    """The WCAG contrast ratio of `color` against white: 1 (white) to 21 (black)."""
    return 1.05 / (_relative_luminance(color) + 0.05)


# --- projects -------------------------------------------------------------------------------------------
def can_create_projects(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(CREATE_PERMISSION))


def _check_project_values(values: dict) -> dict:
    cleaned = {}
    for name, value in values.items():
        if name in ("name", "guidelines"):
            if not isinstance(value, str):
                _refuse(name, _("Must be a string."))
            if "\x00" in value:
                _refuse(name, _("Null characters are not allowed."))
            value = value.strip()
            if name == "name" and not value:
                _refuse(name, _("This field may not be blank."))
            if name == "name" and len(value) > 200:
                _refuse(name, _("Ensure this field has no more than %(limit)d characters.") % {"limit": 200})
            if name == "guidelines" and len(value) > 100_000:
                _refuse(name, _("Ensure this field has no more than %(limit)d characters.") % {"limit": 100_000})
        elif name == "snap_to_words":
            if not isinstance(value, bool):
                _refuse(name, _("Must be true or false."))
        elif name in ("overlap_k", "lease_minutes", "claim_verifiers"):
            limit = {"overlap_k": 20, "lease_minutes": 7 * 24 * 60, "claim_verifiers": 20}[name]
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
                _refuse(name, _("Must be a whole number from 1 to %(limit)d.") % {"limit": limit})
        cleaned[name] = value
    return cleaned


def project_create(*, creator, slug: str, name: str, labels=(), **options) -> Project:
    """A new project whose creator is its manager (PermissionDenied without `annotations.add_project`).

    `options`: overlap_k, lease_minutes, snap_to_words, claim_verifiers, guidelines; `labels`: dicts
    with label_create's fields, in order."""
    if not can_create_projects(creator):
        raise PermissionDenied(_("You may not create projects; ask an administrator for the permission."))
    unknown = set(options) - set(PROJECT_FIELDS)
    if unknown:
        _refuse(sorted(unknown)[0], _("Unknown field."))
    if not isinstance(slug, str) or not SLUG_RE.match(slug) or len(slug) > 64:
        _refuse("slug", _("Letters, digits, hyphens and underscores only, at most 64 characters."))
    if slug in RESERVED_SLUGS:
        _refuse("slug", _("This slug is reserved; choose another."))
    values = _check_project_values({"name": name, **options})
    with transaction.atomic():
        if Project.objects.filter(slug=slug).exists():
            _refuse("slug", _("A project with this slug already exists."))
        project = Project.objects.create(slug=slug, **values)
        Membership.objects.create(project=project, user=creator, role=Role.MANAGER)
        audit_record(
            project_id=project.pk,
            actor_id=creator.pk,
            kind="project.created",
            object_id=project.pk,
            after={"slug": slug, **{key: values[key] for key in values if key != "guidelines"}},
        )
        for order, label in enumerate(labels):
            if not isinstance(label, dict):
                _refuse("labels", _("Each label is an object with a name."))
            label_create(project=project, actor=creator, **{"order": order, **label})
    return project


def project_update(*, project: Project, actor, **values) -> Project:
    """Changes a project's settings (managers); the slug stays (it is in addresses and exports)."""
    unknown = set(values) - set(PROJECT_FIELDS)
    if unknown:
        _refuse(sorted(unknown)[0], _("Unknown field."))
    cleaned = _check_project_values(values)
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        before = {key: getattr(locked, key) for key in cleaned}
        for key, value in cleaned.items():
            setattr(locked, key, value)
        locked.save()
        changed = {key: value for key, value in cleaned.items() if before[key] != value}
        if changed:
            audit_record(
                project_id=locked.pk,
                actor_id=actor.pk,
                kind="project.changed",
                object_id=locked.pk,
                before={key: before[key] for key in changed},
                after=changed,
            )
    return locked


# --- labels ---------------------------------------------------------------------------------------------
def _check_label_values(project: Project, values: dict, *, label_id: int | None = None) -> dict:
    cleaned = {}
    for name, value in values.items():
        if name == "order":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 32767:
                _refuse(name, _("Must be a whole number from 0 to 32767."))
            cleaned[name] = value
            continue
        if not isinstance(value, str):
            _refuse(name, _("Must be a string."))
        if "\x00" in value:
            _refuse(name, _("Null characters are not allowed."))
        value = value.strip() if name != "hotkey" else value
        if name in ("name", "name_ar", "name_en") and len(value) > 64:
            _refuse(name, _("Ensure this field has no more than %(limit)d characters.") % {"limit": 64})
        if name == "name" and not value:
            _refuse(name, _("This field may not be blank."))
        if name == "description" and len(value) > 2000:
            _refuse(name, _("Ensure this field has no more than %(limit)d characters.") % {"limit": 2000})
        if name == "color":
            if not COLOR_RE.match(value):
                _refuse(name, _("A colour is #rrggbb, for example #0072B2."))
            ratio = contrast_on_white(value)
            if ratio < MIN_CONTRAST_ON_WHITE:
                _refuse(
                    name,
                    _("This colour is too pale on the white page (contrast %(ratio).1f:1; at least %(min).0f:1).")
                    % {"ratio": ratio, "min": MIN_CONTRAST_ON_WHITE},
                )
        if name == "hotkey" and value and (len(value) != 1 or value.isspace()):
            _refuse(name, _("A hotkey is one character."))
        cleaned[name] = value
    others = LabelType.objects.filter(project=project).exclude(pk=label_id)
    if "name" in cleaned and others.filter(name=cleaned["name"]).exists():
        _refuse("name", _("This project already has a label with this name."))
    if cleaned.get("hotkey") and others.filter(hotkey=cleaned["hotkey"]).exists():
        _refuse("hotkey", _("Another label of this project uses this hotkey."))
    return cleaned


def _label_values(label: LabelType) -> dict:
    return {key: getattr(label, key) for key in LABEL_FIELDS if key != "description"}


def label_create(*, project: Project, actor, name, **values) -> LabelType:
    unknown = set(values) - set(LABEL_FIELDS)
    if unknown:
        _refuse(sorted(unknown)[0], _("Unknown field."))
    values.setdefault("color", label_next_color(project))
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).values_list("pk").get()
        cleaned = _check_label_values(project, {"name": name, **values})
        if "order" not in cleaned:
            last = LabelType.objects.filter(project=project).order_by("-order").values_list("order", flat=True).first()
            cleaned["order"] = 0 if last is None else last + 1
        label = LabelType.objects.create(project=project, **cleaned)
        audit_record(
            project_id=project.pk,
            actor_id=actor.pk,
            kind="label.created",
            object_id=label.pk,
            after=_label_values(label),
        )
    return label


def label_update(*, label: LabelType, actor, **values) -> LabelType:
    """Renames, recolours, moves or rebinds a label. Renaming keeps every span (they point at the row)."""
    unknown = set(values) - set(LABEL_FIELDS)
    if unknown:
        _refuse(sorted(unknown)[0], _("Unknown field."))
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=label.project_id).values_list("pk").get()
        locked = LabelType.objects.select_for_update().get(pk=label.pk)
        cleaned = _check_label_values(locked.project, values, label_id=locked.pk)
        before = _label_values(locked)
        for key, value in cleaned.items():
            setattr(locked, key, value)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise Conflict(_("Another label took this name or hotkey meanwhile.")) from None
        audit_record(
            project_id=locked.project_id,
            actor_id=actor.pk,
            kind="label.changed",
            object_id=locked.pk,
            before=before,
            after=_label_values(locked),
        )
    return locked


def label_usage(label: LabelType) -> dict:
    return {
        "spans": Span.objects.filter(label=label).count(),
        "gold_spans": GoldSpan.objects.filter(label=label).count(),
        "predictions": Prediction.objects.filter(label=label).count(),
    }


def label_delete(*, label: LabelType, actor) -> None:
    """Deletes an unused label; a label in use is a Conflict naming how many spans use it."""
    with transaction.atomic():
        # The project row first, like every other label write: deleting the label row takes a key-share
        # lock on the project, which would deadlock against a rename holding the project and waiting here.
        Project.objects.select_for_update().filter(pk=label.project_id).values_list("pk").get()
        locked = LabelType.objects.select_for_update().get(pk=label.pk)
        usage = label_usage(locked)
        if usage["spans"] or usage["gold_spans"]:
            raise Conflict(
                _(
                    "%(spans)d span(s) and %(gold)d gold span(s) use this label: rename it, or merge it into "
                    "another label instead."
                )
                % {"spans": usage["spans"], "gold": usage["gold_spans"]},
                extra={"spans": usage["spans"], "gold_spans": usage["gold_spans"]},
            )
        Prediction.objects.filter(label=locked).delete()  # suggestions are nobody's work
        audit_record(
            project_id=locked.project_id,
            actor_id=actor.pk,
            kind="label.deleted",
            object_id=locked.pk,
            before=_label_values(locked),
        )
        locked.delete()


def label_merge(*, label: LabelType, into: LabelType, actor) -> dict:
    """Moves every span, gold span and suggestion of `label` to `into` and deletes `label`, in one
    transaction. Where a reviewer already had the same span under both labels, the moved copy goes.
    Returns how many rows moved and how many duplicates were dropped."""
    if into.pk == label.pk:
        _refuse("into", _("A label cannot be merged into itself."))
    if into.project_id != label.project_id:
        _refuse("into", _("Labels merge only within one project."))
    moved = {"spans": 0, "gold_spans": 0, "predictions": 0, "duplicates": 0}
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=label.project_id).values_list("pk").get()
        for model, owner, key in (
            (Span, "assignment_id", "spans"),
            (GoldSpan, "adjudication_id", "gold_spans"),
            (Prediction, "document_id", "predictions"),
        ):
            rows = model.objects.filter(label=label)
            taken = set(model.objects.filter(label=into).values_list(owner, "start", "end"))
            for row_id, owner_id, start, end in rows.values_list("id", owner, "start", "end"):
                if (owner_id, start, end) in taken:
                    model.objects.filter(pk=row_id).delete()
                    moved["duplicates"] += 1
                else:
                    taken.add((owner_id, start, end))
            moved[key] = rows.update(label=into)
        audit_record(
            project_id=label.project_id,
            actor_id=actor.pk,
            kind="label.merged",
            object_id=label.pk,
            before=_label_values(label),
            after={"into": into.name, **moved},
        )
        LabelType.objects.filter(pk=label.pk).delete()
    return moved


# --- members --------------------------------------------------------------------------------------------
def _check_quota(quota):
    if quota is not None and (isinstance(quota, bool) or not isinstance(quota, int) or quota < 0):
        _refuse("quota", _("A quota is a whole number of documents, or empty for no limit."))
    return quota


def _check_role(role):
    if role not in Role.values:
        _refuse("role", _("Choose one of: %(roles)s.") % {"roles": ", ".join(Role.values)})
    return role


def membership_add(*, project: Project, actor, username: str = "", email: str = "", role: str, quota=None):
    """Adds an existing account, found by username or e-mail, with a role (and optional quota)."""
    _check_role(role)
    _check_quota(quota)
    users = get_user_model().objects.filter(is_active=True)
    if username:
        user = users.filter(username=username).first()
        field = "username"
    elif email:
        found = list(users.filter(email__iexact=email)[:2])
        if len(found) > 1:
            _refuse("email", _("Several accounts use this e-mail address; give the username."))
        user = found[0] if found else None
        field = "email"
    else:
        _refuse("username", _("Give a username or an e-mail address."))
    if user is None:
        _refuse(field, _("No active account has this %(field)s.") % {"field": field})
    with transaction.atomic():
        if Membership.objects.filter(project=project, user=user).exists():
            raise Conflict(_("%(user)s is already a member of this project.") % {"user": user.get_username()})
        membership = Membership.objects.create(project=project, user=user, role=role, quota=quota)
        audit_record(
            project_id=project.pk,
            actor_id=actor.pk,
            kind="membership.created",
            object_id=membership.pk,
            after={"user": user.get_username(), "role": role, "quota": quota},
        )
    return membership


def _check_keeps_a_manager(membership: Membership) -> None:
    others = Membership.objects.filter(project_id=membership.project_id, role=Role.MANAGER).exclude(pk=membership.pk)
    if membership.role == Role.MANAGER and not others.exists():
        raise Conflict(_("A project keeps at least one manager: add another manager first."))


def membership_update(*, membership: Membership, actor, **values) -> Membership:
    unknown = set(values) - {"role", "quota"}
    if unknown:
        _refuse(sorted(unknown)[0], _("Unknown field."))
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=membership.project_id).values_list("pk").get()
        locked = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        before = {"role": locked.role, "quota": locked.quota}
        if "role" in values:
            _check_role(values["role"])
            if values["role"] != Role.MANAGER:
                _check_keeps_a_manager(locked)
            locked.role = values["role"]
        if "quota" in values:
            locked.quota = _check_quota(values["quota"])
        locked.save()
        audit_record(
            project_id=locked.project_id,
            actor_id=actor.pk,
            kind="membership.changed",
            object_id=locked.pk,
            before=before,
            after={"user": locked.user.get_username(), "role": locked.role, "quota": locked.quota},
        )
    return locked


def assignment_release(*, assignment: Assignment, actor, reason: str = "released") -> bool:
    """Takes an open lease back from its reviewer (reassign, member removed, document archived): the
    slot returns to the queue, the reviewer's draft spans stay on the row. False if it was not open."""
    now = timezone.now()
    with transaction.atomic():
        if not Assignment.objects.filter(pk=assignment.pk, status=AssignmentStatus.LEASED).update(
            status=AssignmentStatus.EXPIRED, lease_expires_at=None, updated_at=now
        ):
            return False
        Document.objects.filter(pk=assignment.document_id).update(slots_taken=F("slots_taken") - 1)
        audit_record(
            project_id=assignment.document.project_id,
            document_id=assignment.document_id,
            actor_id=getattr(actor, "pk", None),
            kind="assignment.released",
            object_id=assignment.pk,
            before={"status": AssignmentStatus.LEASED},
            after={"status": AssignmentStatus.EXPIRED, "reason": reason},
        )
    return True


def membership_remove(*, membership: Membership, actor) -> int:
    """Removes a member. Their open leases go back to the queue; submitted work stays. Returns how
    many leases were released."""
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=membership.project_id).values_list("pk").get()
        locked = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        _check_keeps_a_manager(locked)
        released = 0
        open_leases = Assignment.objects.filter(
            document__project_id=locked.project_id, reviewer_id=locked.user_id, status=AssignmentStatus.LEASED
        ).select_related("document")
        for assignment in open_leases:
            released += assignment_release(assignment=assignment, actor=actor, reason="member removed")
        audit_record(
            project_id=locked.project_id,
            actor_id=actor.pk,
            kind="membership.deleted",
            object_id=locked.pk,
            before={"user": locked.user.get_username(), "role": locked.role, "quota": locked.quota},
            after={"released_leases": released},
        )
        locked.delete()
    return released
