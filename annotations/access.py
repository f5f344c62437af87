"""The one place that decides who may fetch what (keep it so: the permission matrix test in
tests/api/test_permission_matrix.py walks every URL of the API against these rules).

API views, pages and selectors get projects, assignments, spans, claims, claim links, gold and job
rows only through these functions, and ask the role questions ("sees all work", "has this role")
only through `sees_all_work`, `has_role` and `require_role`. A missing object and one the user may
not see raise the same NotFound, so ids reveal nothing; a member whose role does not allow the action
gets annotations.errors.PermissionDenied (the one type: the API answers 403 JSON, pages the 403 page).
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from annotations.errors import NotFound, PermissionDenied
from annotations.models import (
    AdjudicationStatus,
    AgreementRun,
    Assignment,
    AssignmentStatus,
    Claim,
    ClaimLink,
    Document,
    ExportJob,
    GoldClaimLink,
    GoldSpan,
    ImportJob,
    LabelType,
    Membership,
    Prediction,
    Project,
    Role,
    Span,
)
from workbench.db import converted_row, field_converters, prepared_cursor

# What each role may do, beyond what every member may do (read the project, its labels, its claims).
ROLE_RANK = {Role.REVIEWER: 1, Role.ADJUDICATOR: 2, Role.MANAGER: 3}
# The claim verification queue: verdicts come from reviewers and adjudicators; managers publish them.
VERIFIER_ROLES = (Role.REVIEWER, Role.ADJUDICATOR)
VERIFIERS_ONLY = _("Verifiers are reviewers and adjudicators.")
ONLY_REVIEWERS = _("Only reviewers take documents from the queue.")


def sees_all_work(membership: Membership | None) -> bool:
    """Adjudicators and managers see every reviewer's work; reviewers only their own (blind review)."""
    return membership is not None and ROLE_RANK[membership.role] >= ROLE_RANK[Role.ADJUDICATOR]


def has_role(membership: Membership | None, *, min_role: str | None = None, roles=None) -> bool:
    """Whether the member's role is at least `min_role` and (when given) one of `roles`."""
    if membership is None:
        return False
    if min_role is not None and ROLE_RANK[membership.role] < ROLE_RANK[min_role]:
        return False
    return roles is None or membership.role in roles


def require_role(
    membership: Membership, *, min_role: str | None = None, roles=None, message: str | None = None
) -> None:
    """PermissionDenied (403) unless `has_role`; `message` says who may (else the generic refusal)."""
    if not has_role(membership, min_role=min_role, roles=roles):
        raise PermissionDenied(message) if message else PermissionDenied()


def membership_for(user, project_id) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        project_id = int(project_id)
    except (TypeError, ValueError):
        return None
    if not -(2**63) <= project_id < 2**63:  # no such id (a 64-bit column), as the ORM's lookup answers
        return None
    # Every project-scoped request comes through here: SQL written once (prepared on PostgreSQL), as
    # `Membership.objects.select_related("project").filter(project_id=..., user=user)[:1]` would read it,
    # whose building and compiling cost Django more than the database took to answer.
    sql, membership_names, project_names, converters = _membership_statement()
    with prepared_cursor() as cursor:
        cursor.execute(sql, [project_id, user.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    row = converted_row(row, converters)  # what the ORM does to each value read
    split = len(membership_names)
    membership = Membership.from_db(connection.alias, membership_names, row[:split])
    _MEMBERSHIP_PROJECT.set_cached_value(membership, Project.from_db(connection.alias, project_names, row[split:]))
    return membership


_MEMBERSHIP_PROJECT = Membership._meta.get_field("project")


@cache
def _membership_statement() -> tuple[str, list[str], list[str], list[tuple]]:
    """The membership and its project in one row; the field names of each; and the converters of the
    columns that have some (SQLite's booleans and dates), as the ORM's compiler finds them."""
    q = connection.ops.quote_name
    membership, project = Membership._meta, Project._meta
    fields = [*membership.concrete_fields, *project.concrete_fields]
    columns = [f"{'m' if field.model is Membership else 'p'}.{q(field.column)}" for field in fields]
    sql = (
        f"SELECT {', '.join(columns)} FROM {q(membership.db_table)} m"
        f" INNER JOIN {q(project.db_table)} p ON p.{q(project.pk.column)} = m.{q(_MEMBERSHIP_PROJECT.column)}"
        f" WHERE m.{q(_MEMBERSHIP_PROJECT.column)} = %s AND m.{q(membership.get_field('user').column)} = %s LIMIT 1"
    )
    converters = field_converters(fields)
    names = [field.attname for field in fields]
    split = len(membership.concrete_fields)
    return sql, names[:split], names[split:], converters


def access_project(user, project_id, *, min_role: str | None = None) -> tuple[Project, Membership]:
    """The project and the caller's membership; NotFound unless a member, PermissionDenied below `min_role`."""
    membership = membership_for(user, project_id)
    if membership is None:
        raise NotFound()
    require_role(membership, min_role=min_role)
    return membership.project, membership


def access_project_by_slug(user, slug: str, *, min_role: str | None = None) -> tuple[Project, Membership]:
    project_id = Project.objects.filter(slug=slug).values_list("id", flat=True).first()
    if project_id is None:
        raise NotFound()
    return access_project(user, project_id, min_role=min_role)


def projects_visible_to(user) -> QuerySet[Project]:
    if not getattr(user, "is_authenticated", False):
        return Project.objects.none()
    return Project.objects.filter(memberships__user=user)


def access_assignment(user, assignment_id, *, for_write: bool = False) -> Assignment:
    """An assignment the caller may read (its reviewer, or the project's adjudicators and managers)
    or write (its reviewer only). Anything else is NotFound, the same as a missing id."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    try:
        assignment = Assignment.objects.select_related("document__project", "reviewer").get(pk=int(assignment_id))
    except (Assignment.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if assignment.reviewer_id == user.pk:
        if Membership.objects.filter(project_id=assignment.document.project_id, user=user).exists():
            return assignment
        raise NotFound()
    if for_write:
        raise NotFound()
    if sees_all_work(membership_for(user, assignment.document.project_id)):
        return assignment
    raise NotFound()


def _span_save_sql() -> str:
    """The locked read of a span save, written once as SQL: building the equivalent queryset (a join, an
    EXISTS and two subqueries) cost Django more time than the database took to answer it."""
    q = connection.ops.quote_name
    a, d, p = q(Assignment._meta.db_table), q(Document._meta.db_table), q(Project._meta.db_table)
    m, lab, s = q(Membership._meta.db_table), q(LabelType._meta.db_table), q(Span._meta.db_table)
    lock = " FOR UPDATE OF a" if connection.features.has_select_for_update_of else ""
    return (
        f"SELECT a.id, a.document_id, a.reviewer_id, a.status, a.lease_expires_at, a.updated_at,"
        f" d.project_id AS project_id, d.sha256 AS sha256, p.lease_minutes AS lease_minutes,"
        f" EXISTS (SELECT 1 FROM {m} m WHERE m.project_id = d.project_id AND m.user_id = %s) AS is_member,"
        f" (SELECT l.id FROM {lab} l WHERE l.project_id = d.project_id AND l.name = %s) AS label_id,"
        f" (SELECT s.id FROM {s} s INNER JOIN {lab} sl ON sl.id = s.label_id WHERE s.assignment_id = a.id"
        f" AND s.deleted_at IS NULL AND sl.name = %s AND s.start = %s AND s.{q('end')} = %s"
        f" ORDER BY s.id LIMIT 1) AS twin_id"
        f" FROM {a} a INNER JOIN {d} d ON d.id = a.document_id INNER JOIN {p} p ON p.id = d.project_id"
        f" WHERE a.id = %s AND a.reviewer_id = %s{lock}"
    )


def access_assignment_locked_for_span_save(user, assignment_id, *, label: str, start: int, end: int) -> Assignment:
    """The caller's own assignment, locked for the rest of the transaction (SELECT ... FOR UPDATE), in one
    statement: the same rule as `access_assignment(..., for_write=True)` (its reviewer, still a member).
    Only the id, document, reviewer, status, lease and `updated_at` are read, and alongside them the
    `project_id`, the document's `sha256`, the project's `lease_minutes`, the id of the project's label
    named `label` (`label_id`, None if there is none) and of an identical live span (`twin_id`).
    Call it inside a transaction."""
    sql, params = span_save_access_sql(user, assignment_id, label=label, start=start, end=end)
    rows = list(Assignment.objects.raw(sql, params))
    span_save_access_check(rows[0].is_member if rows else False)
    return rows[0]


def span_save_access_sql(user, assignment_id, *, label: str, start: int, end: int) -> tuple[str, list]:
    """The locked read of `access_assignment_locked_for_span_save` as SQL and its parameters, for a statement
    that also writes in the same round trip (services.spans on PostgreSQL). Its row's `is_member` (False
    when there is no row) must then go through `span_save_access_check` before anything is answered."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    try:
        assignment_id = int(assignment_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    return _span_save_sql(), [user.pk, label, label, start, end, assignment_id, user.pk]


def span_save_access_check(is_member: bool) -> None:
    """NotFound unless the locked read found the caller's own assignment in a project they still belong to."""
    if not is_member:
        raise NotFound()


def access_span(user, span_id, *, for_write: bool = False, deleted: bool = False) -> Span:
    """A span, under the same rules as its assignment (`deleted`: also one waiting for undo)."""
    spans = Span.all_objects if deleted else Span.objects
    try:
        assignment_id = spans.filter(pk=int(span_id)).values_list("assignment_id", flat=True).first()
    except (TypeError, ValueError):
        assignment_id = None
    if assignment_id is None:
        raise NotFound()
    assignment = access_assignment(user, assignment_id, for_write=for_write)
    span = spans.select_related("label").get(pk=int(span_id))
    span.assignment = assignment
    return span


def access_document_for_adjudication(user, document_id) -> Document:
    """A document of a project where the caller adjudicates or manages; NotFound / PermissionDenied otherwise."""
    try:
        project_id = Document.objects.filter(pk=int(document_id)).values_list("project_id", flat=True).first()
    except (TypeError, ValueError):
        project_id = None
    if project_id is None:
        raise NotFound()
    access_project(user, project_id, min_role=Role.ADJUDICATOR)
    return Document.objects.select_related("project", "source").get(pk=int(document_id))


def access_gold_span(user, gold_span_id) -> GoldSpan:
    try:
        document_id = (
            GoldSpan.objects.filter(pk=int(gold_span_id)).values_list("adjudication__document_id", flat=True).first()
        )
    except (TypeError, ValueError):
        document_id = None
    if document_id is None:
        raise NotFound()
    access_document_for_adjudication(user, document_id)
    return GoldSpan.objects.select_related("adjudication__document__project", "label").get(pk=int(gold_span_id))


# --- Claims: blind review extends to the catalogue and the claim verification queue -------------------------
def open_document_ids(user_id) -> QuerySet:
    """Documents the reviewer has taken and not yet submitted (still drafting)."""
    return (
        Assignment.objects.filter(reviewer_id=user_id).exclude(status=AssignmentStatus.SUBMITTED).values("document_id")
    )


def visible_links_q(membership: Membership, prefix: str = "") -> Q:
    """Which claim links the member may see (prefix: the path from the queried model to ClaimLink):
    adjudicators and managers every link; a reviewer their own, and the links on documents they submitted."""
    if sees_all_work(membership):
        return Q()
    user = membership.user_id
    submitted_docs = Assignment.objects.filter(reviewer_id=user, status=AssignmentStatus.SUBMITTED).values(
        "document_id"
    )
    return Q(**{f"{prefix}span__assignment__reviewer_id": user}) | Q(
        **{f"{prefix}span__assignment__document_id__in": submitted_docs}
    )


def claims_visible_q(membership: Membership) -> Q:
    """Which claims of the project the member may see. A claim written from a document (its `document`, or
    where its creator linked it) by someone else stays invisible to a reviewer until they submit that
    document: in the catalogue, search, near-duplicate answers, counts, the verification queue and by id."""
    if sees_all_work(membership):
        return Q()
    user = membership.user_id
    drafting = open_document_ids(user)
    creator_linked_there = ClaimLink.objects.filter(
        claim=OuterRef("pk"),
        span__assignment__reviewer_id=OuterRef("created_by_id"),
        span__assignment__document_id__in=drafting,
    )
    return Q(created_by_id=user) | ~(Q(document_id__in=drafting) | Q(Exists(creator_linked_there)))


def claims_visible_to(membership: Membership) -> QuerySet[Claim]:
    return Claim.objects.filter(project_id=membership.project_id).filter(claims_visible_q(membership))


def claim_is_own_work_q(user_id) -> Q:
    """Claims the user created or linked (a span of theirs, or a gold link they decided): never theirs to verify."""
    own_links = ClaimLink.objects.filter(claim=OuterRef("pk"), span__assignment__reviewer_id=user_id)
    own_gold = GoldClaimLink.objects.filter(claim=OuterRef("pk"), decided_by_id=user_id)
    return Q(created_by_id=user_id) | Q(Exists(own_links)) | Q(Exists(own_gold))


def claims_verifiable_by(membership: Membership) -> QuerySet[Claim]:
    """The claims this verifier may give a verdict on: visible to them, not their own work, with evidence
    they may see from at least one submitted or adjudicated document, and no link on a document they are
    still drafting (the queue must not hint at another reviewer's work on it)."""
    user = membership.user_id
    evidence = (
        ClaimLink.objects.filter(claim=OuterRef("pk"))
        .filter(visible_links_q(membership))
        .filter(
            Q(span__assignment__status=AssignmentStatus.SUBMITTED)
            | Q(span__assignment__document__adjudication__status=AdjudicationStatus.FINAL)
        )
    )
    on_drafts = ClaimLink.objects.filter(
        claim=OuterRef("pk"), span__assignment__document_id__in=open_document_ids(user)
    )
    return (
        claims_visible_to(membership)
        .filter(Exists(evidence))
        .exclude(claim_is_own_work_q(user))
        .exclude(Exists(on_drafts))
    )


def may_verify(membership: Membership, claim: Claim) -> bool:
    return has_role(membership, roles=VERIFIER_ROLES) and claims_verifiable_by(membership).filter(pk=claim.pk).exists()


def sees_verdicts(membership: Membership, claim: Claim) -> bool:
    """Whether the member may read the verifiers' verdicts on a claim. Managers may; a verifier (an
    adjudicator included) only once they gave their own, or can no longer give one (their own work,
    or every verifier has answered); reviewers never."""
    if has_role(membership, roles=(Role.MANAGER,)):
        return True
    if not sees_all_work(membership):
        return False
    if claim.verifications.filter(verifier_id=membership.user_id).exists():
        return True
    if claim.verifications.count() >= membership.project.claim_verifiers:
        return True
    return Claim.objects.filter(pk=claim.pk).filter(claim_is_own_work_q(membership.user_id)).exists()


def access_claim(user, claim_id, *, min_role: str | None = None) -> tuple[Claim, Membership]:
    """A claim of a project the caller belongs to and may see (claims_visible_q); NotFound otherwise."""
    try:
        project_id = Claim.objects.filter(pk=int(claim_id)).values_list("project_id", flat=True).first()
    except (TypeError, ValueError, OverflowError):
        project_id = None
    if project_id is None:
        raise NotFound()
    _, membership = access_project(user, project_id, min_role=min_role)
    claim = claims_visible_to(membership).filter(pk=int(claim_id)).first()
    if claim is None:
        raise NotFound()
    return claim, membership


def access_claim_link(user, link_id, *, for_write: bool = False) -> ClaimLink:
    """A claim link, under its span's rules (writes: the span's reviewer only)."""
    try:
        span_id = ClaimLink.objects.filter(pk=int(link_id)).values_list("span_id", flat=True).first()
    except (TypeError, ValueError):
        span_id = None
    if span_id is None:
        raise NotFound()
    span = access_span(user, span_id, for_write=for_write)
    link = ClaimLink.objects.select_related("claim").get(pk=int(link_id))
    link.span = span
    return link


def _access_job_for_manager(model, user, job_id, *, defer: tuple[str, ...] = ()):
    """A job row (agreement run, export) to managers of its project only: results and gold compare or
    merge reviewers' work. Anything else (missing, another project, a lower role) is the same NotFound,
    so job ids reveal nothing."""
    try:
        project_id = model.objects.filter(pk=int(job_id)).values_list("project_id", flat=True).first()
    except (TypeError, ValueError, OverflowError):
        project_id = None
    if project_id is None:
        raise NotFound()
    try:
        access_project(user, project_id, min_role=Role.MANAGER)
    except PermissionDenied:
        raise NotFound() from None
    return model.objects.select_related("project", "requested_by").defer(*defer).get(pk=int(job_id))


def access_agreement_run(user, run_id) -> AgreementRun:
    return _access_job_for_manager(AgreementRun, user, run_id)


def access_export(user, export_id) -> ExportJob:
    return _access_job_for_manager(ExportJob, user, export_id)


def _project_of(model, object_id, field: str = "project_id"):
    try:
        return model.objects.filter(pk=int(object_id)).values_list(field, flat=True).first()
    except (TypeError, ValueError, OverflowError):
        return None


def access_label(user, label_id, *, min_role: str | None = Role.MANAGER) -> LabelType:
    """A label of a project the caller belongs to (writes: managers; others 403)."""
    project_id = _project_of(LabelType, label_id)
    if project_id is None:
        raise NotFound()
    access_project(user, project_id, min_role=min_role)
    return LabelType.objects.select_related("project").get(pk=int(label_id))


def access_membership(user, membership_id) -> Membership:
    """A membership of a project the caller manages (members of the project get 403, others 404)."""
    project_id = _project_of(Membership, membership_id)
    if project_id is None:
        raise NotFound()
    access_project(user, project_id, min_role=Role.MANAGER)
    return Membership.objects.select_related("project", "user").get(pk=int(membership_id))


def access_document(user, document_id, *, min_role: str = Role.ADJUDICATOR) -> Document:
    """A document (archived ones included) of a project where the caller has at least `min_role`."""
    project_id = _project_of(Document, document_id)
    if project_id is None:
        raise NotFound()
    access_project(user, project_id, min_role=min_role)
    return Document.objects.select_related("project", "source").get(pk=int(document_id))


def access_import(user, import_id) -> ImportJob:
    # not the upload (up to IMPORT_MAX_BYTES) on every poll of a running import
    return _access_job_for_manager(ImportJob, user, import_id, defer=("data",))


def access_prediction(user, prediction_id, *, for_write: bool = False):
    """A suggestion, to a reviewer holding an assignment of its document, or to adjudicators and managers
    (reading only). Returns (prediction, the caller's assignment or None)."""
    document_id = _project_of(Prediction, prediction_id, "document_id")
    if document_id is None or not getattr(user, "is_authenticated", False):
        raise NotFound()
    prediction = Prediction.objects.select_related("document__project", "label").get(pk=int(prediction_id))
    assignment = Assignment.objects.filter(document_id=document_id, reviewer=user).first()
    if assignment is not None:
        return prediction, access_assignment(user, assignment.pk, for_write=for_write)
    if not for_write and sees_all_work(membership_for(user, prediction.document.project_id)):
        return prediction, None
    raise NotFound()
