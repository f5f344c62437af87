"""Agreement runs: stored results equal the pure functions', the debounce, the fingerprint, failures.

Data is built through the real services (span_create, assignment_submit); the helpers here are also
used by the selector, API, command and worker tests.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from annotations.agreement import (
    UndefinedAgreement,
    admiralty_alpha,
    krippendorff_alpha,
    report,
    span_f1,
    token_alpha,
    token_values,
)
from annotations.models import AgreementRun, Claim, ClaimLink, JobStatus, ReliabilityRating, Role, Span
from annotations.selectors.agreement import agreement_run_summaries
from annotations.services import agreement_runs, jobs
from annotations.services.agreement_runs import agreement_run_execute, agreement_run_request
from annotations.services.assignments import assignment_open, assignment_submit
from annotations.services.spans import span_create
from annotations.tasks import agreement_run_task
from annotations.text.tokens import tokenize
from tests.factories import DocumentFactory, MembershipFactory, UserFactory
from workbench.celery import app as celery_app

# Two short articles; offsets below are code points of these exact strings.
TEXT_1 = "قال الجيش إن 30 جندياً قتلوا في هجوم على الرقة"
TEXT_2 = "أعلن المرصد مقتل 12 مدنياً في دير الزور"


def assign(document, reviewer):
    """A reviewer's assignment on a document, through the service a manager's direct assignment uses."""
    return assignment_open(document=document, reviewer=reviewer)


def annotate(assignment, spans, *, submit=True):
    made = [span_create(assignment=assignment, start=s, end=e, label=label) for s, e, label in spans]
    if submit:
        assignment_submit(assignment=assignment)
    return made


def reviewer(project, username):
    user = UserFactory(username=username)
    MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    return user


def word(text, needle):
    start = text.index(needle)
    return start, start + len(needle)


# The spans of the hand-computed project: reviewer1 and reviewer2 on two documents.
SPANS = {
    (1, "reviewer1"): [
        (*word(TEXT_1, "الجيش"), "actor"),
        (*word(TEXT_1, "30 جندياً"), "casualty_figure"),
        (*word(TEXT_1, "الرقة"), "place"),
    ],
    (1, "reviewer2"): [
        (*word(TEXT_1, "الجيش"), "actor"),
        (*word(TEXT_1, "30"), "casualty_figure"),
        (*word(TEXT_1, "هجوم"), "actor"),
    ],
    (2, "reviewer1"): [(*word(TEXT_2, "المرصد"), "actor"), (*word(TEXT_2, "دير الزور"), "place")],
    (2, "reviewer2"): [
        (*word(TEXT_2, "المرصد"), "actor"),
        (*word(TEXT_2, "الزور"), "place"),
        (*word(TEXT_2, "12 مدنياً"), "casualty_figure"),
    ],
}


@pytest.fixture
def two_documents(project):
    return {1: DocumentFactory(project=project, text=TEXT_1), 2: DocumentFactory(project=project, text=TEXT_2)}


@pytest.fixture
def annotated(project, reviewer1, reviewer2, two_documents):
    """Both reviewers submitted both documents, with outlet grades and claim links; returns the inputs."""
    users = {"reviewer1": reviewer1, "reviewer2": reviewer2}
    claim = Claim.objects.create(project=project, text="30 جندياً قتلوا في الرقة")
    grades = {
        ("reviewer1", 1): ("B", 2),
        ("reviewer2", 1): ("C", 2),
        ("reviewer1", 2): ("A", 1),
        ("reviewer2", 2): ("A", 6),
    }
    stances = {
        ("reviewer1", 1): "supports",
        ("reviewer2", 1): "supports",
        ("reviewer1", 2): "refutes",
        ("reviewer2", 2): "mentions",
    }
    with mock.patch.object(agreement_run_task, "apply_async"):
        for (doc, name), spans in SPANS.items():
            assignment = assign(two_documents[doc], users[name])
            made = annotate(assignment, spans, submit=False)
            ReliabilityRating.objects.create(
                assignment=assignment, source_reliability=grades[(name, doc)][0], credibility=grades[(name, doc)][1]
            )
            ClaimLink.objects.create(span=made[0], claim=claim, stance=stances[(name, doc)])
            assignment_submit(assignment=assignment)
    return {"users": users, "documents": two_documents, "claim": claim, "grades": grades, "stances": stances}


def run_now(project, **kwargs):
    """Request a run and execute it here (the task's work, without a broker)."""
    with mock.patch.object(agreement_run_task, "apply_async"):
        run = agreement_run_request(project=project, **kwargs)
    agreement_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_stored_results_equal_the_pure_functions_on_the_same_inputs(project, annotated):
    run = run_now(project)
    assert run.status == JobStatus.DONE and run.progress == 1.0 and run.error == ""
    results = run.results
    users = annotated["users"]
    r1, r2 = users["reviewer1"].pk, users["reviewer2"].pk
    tokens = {doc: [(t.start, t.end) for t in tokenize(text)] for doc, text in ((1, TEXT_1), (2, TEXT_2))}
    spans = {doc: {users[name].pk: SPANS[(doc, name)] for name in users} for doc in (1, 2)}

    # project token alpha: one nominal alpha over the tokens of both documents
    triples = [
        (coder, (doc, i), value)
        for doc in (1, 2)
        for coder in (r1, r2)
        for i, value in enumerate(token_values(tokens[doc], spans[doc][coder]))
    ]
    assert results["project"]["token_alpha"] == pytest.approx(krippendorff_alpha(triples), abs=1e-12)

    # per document: token alpha and overlap F1 of its two reviewers
    by_doc = {entry["document"]: entry for entry in results["documents"]}
    for doc, document in annotated["documents"].items():
        entry = by_doc[document.pk]
        assert entry["token_alpha"] == pytest.approx(token_alpha(tokens[doc], spans[doc]), abs=1e-12)
        assert entry["overlap_f1"] == pytest.approx(span_f1(spans[doc][r1], spans[doc][r2], "overlap").f1)
        assert entry["reviewers"] == 2

    # span F1 of the one reviewer pair, pooled over its two documents
    for mode in ("exact", "overlap"):
        per_doc = [span_f1(spans[doc][r1], spans[doc][r2], mode) for doc in (1, 2)]
        matched = sum(r.matched for r in per_doc)
        total = sum(r.n_a + r.n_b for r in per_doc)
        assert results["project"]["span_f1"][mode]["micro"] == pytest.approx(2 * matched / total)
        assert results["pairs"][0][f"{mode}_f1"] == pytest.approx(2 * matched / total)
        label_f1 = {}
        for label in ("actor", "place", "casualty_figure"):
            m = sum(r.per_label[label].matched for r in per_doc if label in r.per_label)
            n = sum(r.per_label[label].n_a + r.per_label[label].n_b for r in per_doc if label in r.per_label)
            label_f1[label] = 2 * m / n
        by_label = {row["label"]: row for row in results["labels"]}
        for label, value in label_f1.items():
            assert by_label[label][f"{mode}_f1"] == pytest.approx(value)
        assert results["project"]["span_f1"][mode]["macro"] == pytest.approx(sum(label_f1.values()) / 3)
    # by hand: exact matches are الجيش and المرصد (2 of 3 + 3 + 2 + 3 spans)
    assert results["project"]["span_f1"]["exact"]["micro"] == pytest.approx(2 * 2 / 11)
    # overlap adds 30 ~ 30 جندياً and الزور ~ دير الزور
    assert results["project"]["span_f1"]["overlap"]["micro"] == pytest.approx(2 * 4 / 11)

    # per label token alpha: "this label or not" over every token
    for row in results["labels"]:
        binary = [(c, u, v == row["label"]) for c, u, v in triples]
        assert row["token_alpha"] == pytest.approx(krippendorff_alpha(binary), abs=1e-12)

    # the reviewer pair matrix
    pair = results["pairs"][0]
    assert pair["reviewers"] == ["reviewer1", "reviewer2"] and pair["documents"] == 2
    assert pair["token_alpha"] == pytest.approx(results["project"]["token_alpha"], abs=1e-12)

    # outlet grades: ordinal, F and 6 left out (reviewer2's "6" on document 2)
    reliability = [(users[n].pk, annotated["documents"][d].pk, g[0]) for (n, d), g in annotated["grades"].items()]
    credibility = [(users[n].pk, annotated["documents"][d].pk, g[1]) for (n, d), g in annotated["grades"].items()]
    assert results["reliability"]["source_reliability"]["alpha"] == pytest.approx(
        admiralty_alpha(reliability, scale="reliability")
    )
    assert results["reliability"]["credibility"]["alpha"] is None  # one pairable unit, all 2s
    with pytest.raises(UndefinedAgreement):
        admiralty_alpha(credibility, scale="credibility")
    assert "only one" in results["reliability"]["credibility"]["reasons"]["alpha"]
    assert results["reliability"]["credibility"]["cannot_be_judged"] == 1

    # claim-link stances per (document, claim); no verifier has judged a claim yet: explained, not computed
    stances = [
        (users[n].pk, (annotated["documents"][d].pk, annotated["claim"].pk), s)
        for (n, d), s in annotated["stances"].items()
    ]
    assert results["claims"]["stance_alpha"] == pytest.approx(krippendorff_alpha(stances))
    assert results["claims"]["verdict_alpha"] is None and results["claims"]["verdict_ratings"] == 0
    assert results["claims"]["reasons"]["verdict_alpha"].startswith("Krippendorff's alpha is undefined")

    # the summary (the trend line) and the bootstrap interval around the estimate
    assert results["summary"]["token_alpha"] == results["project"]["token_alpha"]
    assert results["summary"]["documents"] == 2 and results["summary"]["assignments"] == 4
    ci = results["project"]["token_alpha_ci"]
    assert ci["low"] <= results["project"]["token_alpha"] <= ci["high"] and ci["n_boot"] == report.BOOTSTRAP_N
    assert set(run.timings) >= {"fingerprint", "documents", "total"}
    assert run.started_at <= run.finished_at and len(run.input_fingerprint) == 64


def test_only_submitted_work_counts(project, reviewer1, reviewer2, two_documents):
    with mock.patch.object(agreement_run_task, "apply_async"):
        annotate(assign(two_documents[1], reviewer1), SPANS[(1, "reviewer1")])
        annotate(assign(two_documents[1], reviewer2), SPANS[(1, "reviewer2")], submit=False)  # still open
    run = run_now(project)
    assert run.results["counts"]["assignments"] == 1
    assert run.results["project"]["token_alpha"] is None
    assert run.results["project"]["reasons"]["token_alpha"].startswith("Krippendorff's alpha is undefined")
    assert run.results["documents"][0]["reasons"]["token_alpha"] == "only one reviewer has submitted this document"


def test_undefined_coefficients_are_null_with_their_reason(project, reviewer1, reviewer2, document):
    # Both reviewers marked nothing: every token is "outside", a single category everywhere.
    with mock.patch.object(agreement_run_task, "apply_async"):
        for user in (reviewer1, reviewer2):
            assignment = assign(document, user)
            ReliabilityRating.objects.create(assignment=assignment, source_reliability="B", credibility=3)
            assignment_submit(assignment=assignment)
    run = run_now(project)
    assert run.status == JobStatus.DONE, run.error
    project_part = run.results["project"]
    assert project_part["token_alpha"] is None
    assert project_part["reasons"]["token_alpha"] == (
        "Krippendorff's alpha is undefined: only one category was used, so expected disagreement is 0"
    )
    assert project_part["span_f1"]["exact"]["micro"] is None
    assert "neither reviewer marked a span" in project_part["span_f1"]["exact"]["reasons"]["micro"]
    reliability = run.results["reliability"]["source_reliability"]
    assert reliability["alpha"] is None and "only one category was used" in reliability["reasons"]["alpha"]
    claims = run.results["claims"]
    assert (
        claims["stance_alpha"] is None
        and "no unit has two or more pairable values" in claims["reasons"]["stance_alpha"]
    )
    assert run.results["summary"]["token_alpha"] is None


def test_a_deterministic_error_fails_the_run_without_retrying(project, annotated):
    with mock.patch.object(agreement_run_task, "apply_async"):
        run = agreement_run_request(project=project)
    calls = []

    def broken(*args, **kwargs):
        calls.append(agreement_run_task.request.retries)
        raise ValueError("reliability_data must be a 2-D (coders x units) array")

    with mock.patch.object(report, "nominal_alpha_from_totals", side_effect=broken):
        agreement_run_task.apply(args=(run.pk,))
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED
    assert run.error == (
        "Agreement could not be computed: ValueError: reliability_data must be a 2-D (coders x units) array"
    )
    assert calls == [0]  # no retry
    assert run.finished_at is not None and run.results == {}


def test_a_transient_database_error_is_retried_and_the_run_ends_done(project, annotated):
    # Transient errors retry with backoff: OperationalError on the first read; the task retries with backoff.
    with mock.patch.object(agreement_run_task, "apply_async"):
        run = agreement_run_request(project=project)
    real = agreement_runs.agreement_input
    retries_seen = []

    def flaky(project):
        retries_seen.append(agreement_run_task.request.retries)
        if len(retries_seen) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(project)

    with mock.patch.object(agreement_runs, "agreement_input", side_effect=flaky):
        agreement_run_task.apply(args=(run.pk,), throw=False)  # eager retries run inline
    run.refresh_from_db()
    assert retries_seen == [0, 1]
    assert run.status == JobStatus.DONE and run.results["project"]["token_alpha"] is not None


def test_the_task_is_configured_to_retry_only_transient_errors():
    assert agreement_run_task.autoretry_for == (OperationalError,)
    assert agreement_run_task.retry_backoff and agreement_run_task.retry_jitter
    assert 0 < agreement_run_task.max_retries <= 10


def test_retries_used_up_mark_the_run_failed(project, annotated):
    with mock.patch.object(agreement_run_task, "apply_async"):
        run = agreement_run_request(project=project)
    with (
        mock.patch.object(agreement_runs, "agreement_input", side_effect=OperationalError("database is down")),
        mock.patch.object(agreement_run_task, "max_retries", 1),
    ):
        # as in a worker: the final error is recorded, not raised into the caller
        propagates = celery_app.conf.task_eager_propagates
        celery_app.conf.task_eager_propagates = False
        try:
            result = agreement_run_task.apply(args=(run.pk,))
        finally:
            celery_app.conf.task_eager_propagates = propagates
    assert result.state == "FAILURE"
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED and "database is down" in run.error


def test_unchanged_input_copies_the_last_results_without_recomputing(project, annotated, reviewer1):
    first = run_now(project)
    with (
        mock.patch.object(report, "nominal_alpha_from_totals") as alpha,
        mock.patch.object(agreement_runs, "batch_pieces") as pieces,
        mock.patch.object(agreement_runs, "agreement_cached_pieces") as cached,
    ):
        second = run_now(project)
    assert not alpha.called and not pieces.called and not cached.called
    assert second.status == JobStatus.DONE and second.pk != first.pk
    assert second.input_fingerprint == first.input_fingerprint
    assert second.results["unchanged"] is True and second.results["copied_from"] == first.pk
    assert second.results["project"] == first.results["project"]
    assert second.progress == 1.0

    # New submitted work changes the fingerprint and the run computes again.
    third_document = DocumentFactory(project=project, text="قصف على ريف حلب الشمالي")
    with mock.patch.object(agreement_run_task, "apply_async"):
        annotate(assign(third_document, reviewer1), [(0, 3, "actor")])
    third = run_now(project)
    assert third.input_fingerprint != first.input_fingerprint
    assert third.results["unchanged"] is False and third.results["counts"]["assignments"] == 5


def from_scratch(project):
    """The report computed with no cached piece at all (the cache is emptied first)."""
    from annotations.models import AgreementPiece
    from annotations.selectors.agreement import agreement_input

    AgreementPiece.objects.filter(project=project).delete()
    timings = {}
    results = agreement_runs.agreement_results_compute(
        project=project, snapshot=agreement_input(project), timings=timings
    )
    assert timings["documents_cached"] == 0
    return results


def test_a_run_recomputes_only_the_documents_whose_work_changed(project, annotated, reviewer1, reviewer2):
    """Each document's piece of the report is cached under a fingerprint of its work: a run computes the
    pieces of changed documents only, and its report equals one computed from scratch."""
    from annotations.models import AgreementPiece, LabelType

    documents = annotated["documents"]
    first = run_now(project)
    assert (first.timings["documents_computed"], first.timings["documents_cached"]) == (2, 0)
    assert AgreementPiece.objects.filter(project=project).count() == 2

    # a third reviewer submits document 1: only its piece is computed again
    project.overlap_k = 3
    project.save()
    third = reviewer(project, "reviewer3")
    with mock.patch.object(agreement_run_task, "apply_async"):
        annotate(assign(documents[1], third), [(*word(TEXT_1, "الجيش"), "actor"), (*word(TEXT_1, "الرقة"), "actor")])
    pieces_before = dict(AgreementPiece.objects.values_list("document_id", "fingerprint"))
    second = run_now(project)
    assert (second.timings["documents_computed"], second.timings["documents_cached"]) == (1, 1)
    pieces_after = dict(AgreementPiece.objects.values_list("document_id", "fingerprint"))
    assert pieces_after[documents[2].pk] == pieces_before[documents[2].pk]
    assert pieces_after[documents[1].pk] != pieces_before[documents[1].pk]
    assert second.results["counts"]["assignments"] == 5 and second.results != first.results
    incremental = second.results
    assert incremental == {**from_scratch(project), "unchanged": False, "copied_from": None}

    # an edit behind the services' back (a label changed in place): that document again, and only it
    run_now(project)  # the cache is full again
    span = Span.objects.filter(assignment__document=documents[2], assignment__reviewer=reviewer1).first()
    Span.objects.filter(pk=span.pk).update(label=LabelType.objects.get(project=project, name="casualty_figure"))
    fourth = run_now(project)
    assert (fourth.timings["documents_computed"], fourth.timings["documents_cached"]) == (1, 1)
    assert fourth.results == from_scratch(project)

    # renaming a label changes every token value's name and tie-break: every piece is computed again
    run_now(project)
    LabelType.objects.filter(project=project, name="place").update(name="location")
    fifth = run_now(project)
    assert (fifth.timings["documents_computed"], fifth.timings["documents_cached"]) == (2, 0)
    assert [row["label"] for row in fifth.results["labels"]] == ["actor", "location", "casualty_figure"]


def reopened(assignment):
    """Runs the block with `assignment` open again, then submitted again, by `.update()`: its version,
    updated_at and submitted_at stay as they were, so only the work stamp (database triggers) can tell
    the agreement job that its work changed."""
    from contextlib import contextmanager

    from annotations.models import Assignment, AssignmentStatus

    @contextmanager
    def block():
        row = Assignment.objects.filter(pk=assignment.pk)
        kept = row.values("version", "updated_at", "submitted_at").get()
        row.update(status=AssignmentStatus.LEASED)
        assignment.refresh_from_db()
        yield assignment
        row.update(status=AssignmentStatus.SUBMITTED, **kept)

    return block()


def test_every_write_to_a_submitted_documents_work_recomputes_that_document(project, annotated, reviewer1):
    """Each write to spans, claim links or grades, through the services or behind their back, changes the
    work stamp of its assignment: the next run computes that document again (and only it), and its
    report equals one computed from scratch."""
    from annotations.models import Assignment, AssignmentWork, LabelType
    from annotations.selectors.agreement import agreement_input, agreement_input_fingerprint
    from annotations.services.claims import claim_link_create, claim_link_delete, reliability_set
    from annotations.services.spans import span_delete, span_restore, span_update

    document = annotated["documents"][1]
    claim = annotated["claim"]
    mine = Assignment.objects.get(document=document, reviewer=reviewer1)

    def first_span():
        return Span.objects.filter(assignment=mine).order_by("id").first()

    def edit_span():
        span = first_span()
        span_update(span=span, version=span.version, end=span.end - 1)

    def relabel_span():
        span = first_span()
        span_update(span=span, version=span.version, label="place")

    def delete_span():
        span_delete(span=first_span())

    def restore_span():
        span_restore(span=Span.all_objects.filter(assignment=mine, deleted_at__isnull=False).get())

    def add_span():
        span_create(assignment=mine, start=0, end=3, label="actor")

    def change_stance():
        claim_link_create(span=first_span(), claim_id=claim.pk, stance="refutes")

    def delete_link():
        claim_link_delete(link=ClaimLink.objects.filter(span__assignment=mine).first())

    def grade():
        reliability_set(assignment=mine, source_reliability="E", credibility=4)

    through_services = [
        edit_span,
        relabel_span,
        delete_span,
        restore_span,
        add_span,
        change_stance,
        delete_link,
        grade,
    ]
    behind_their_back = [
        lambda: Span.objects.filter(pk=first_span().pk).update(start=F("start") + 1, end=F("end") + 1),
        lambda: Span.objects.filter(pk=first_span().pk).update(
            label=LabelType.objects.get(project=project, name="actor")
        ),
        lambda: Span.objects.bulk_create(
            [Span(assignment=mine, label=first_span().label, start=4, end=9, text=document.text[4:9])]
        ),
        lambda: ReliabilityRating.objects.filter(assignment=mine).update(credibility=1),
        lambda: ClaimLink.objects.create(span=first_span(), claim=claim, stance="mentions"),
        lambda: ClaimLink.objects.filter(span__assignment=mine).update(stance="supports"),
        lambda: Span.objects.filter(pk=first_span().pk).delete(),  # its links go with it
    ]
    run_now(project)
    for change in through_services + behind_their_back:
        stamp = AssignmentWork.objects.filter(assignment_id=mine.pk).values_list("stamp", flat=True).first()
        before = agreement_input_fingerprint(project, agreement_input(project))
        with reopened(mine):
            change()
        after = AssignmentWork.objects.get(assignment_id=mine.pk).stamp
        assert after != stamp
        assert agreement_input_fingerprint(project, agreement_input(project)) != before
        run = run_now(project)
        assert run.results["unchanged"] is False
        assert (run.timings["documents_computed"], run.timings["documents_cached"]) == (1, 1)
        assert run.results == {**from_scratch(project), "unchanged": False, "copied_from": None}
        run_now(project)  # the cache is full again
    assert Span.objects.filter(assignment=mine).count() >= 2  # the document still had work to compare


def test_a_damaged_or_stale_cached_piece_is_computed_again(project, annotated):
    from annotations.models import AgreementPiece

    reference = run_now(project).results
    AgreementPiece.objects.filter(document=annotated["documents"][1]).update(data=b"not a piece")
    AgreementPiece.objects.filter(document=annotated["documents"][2]).update(fingerprint="0" * 64)
    AgreementRun.objects.all().delete()  # no results to copy: compute
    again = run_now(project)
    assert (again.timings["documents_computed"], again.timings["documents_cached"]) == (2, 0)
    assert again.results == reference


def test_without_every_work_stamp_trigger_nothing_comes_from_the_cache(project, annotated):
    """A migration that rebuilds the spans table on SQLite drops its triggers with it; a trigger dropped by
    hand on PostgreSQL likewise. Stamps that no longer follow the writes must not be trusted: every
    document is computed again (and a later edit shows in the results)."""
    from django.db import connection

    from annotations.selectors.agreement import work_triggers_present

    assert work_triggers_present()
    reference = run_now(project).results
    drop = "DROP TRIGGER annotations_span_work_update"
    with connection.cursor() as cursor:
        cursor.execute(drop + (" ON annotations_span" if connection.vendor == "postgresql" else ""))
    assert not work_triggers_present()
    AgreementRun.objects.all().delete()  # no results to copy
    again = run_now(project)
    assert (again.timings["documents_computed"], again.timings["documents_cached"]) == (2, 0)
    assert again.results == reference


def test_executing_a_finished_run_again_changes_nothing(project, annotated):
    # A duplicate delivery is harmless; results live on the run's own row.
    run = run_now(project)
    before = (run.results, run.finished_at, run.input_fingerprint, run.timings)
    with mock.patch.object(agreement_runs, "agreement_results_compute") as compute:
        agreement_run_execute(run_id=run.pk)
        agreement_run_task.apply(args=(run.pk,))
    assert not compute.called
    run.refresh_from_db()
    assert (run.results, run.finished_at, run.input_fingerprint, run.timings) == before
    assert AgreementRun.objects.filter(project=project).count() == 1


def test_a_redelivered_running_run_is_computed_again_to_the_same_results(project, annotated):
    reference = run_now(project).results
    with mock.patch.object(agreement_run_task, "apply_async"):
        run = agreement_run_request(project=project)
    AgreementRun.objects.filter(pk=run.pk).update(status=JobStatus.RUNNING, started_at=timezone.now(), progress=0.4)
    AgreementRun.objects.filter(pk__lt=run.pk).delete()  # no earlier results to copy from
    agreement_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == JobStatus.DONE
    assert run.results["project"] == reference["project"] and run.results["labels"] == reference["labels"]


def test_progress_only_grows_and_ends_at_one(project, reviewer1, reviewer2):
    documents = [DocumentFactory(project=project) for _ in range(60)]
    with mock.patch.object(agreement_run_task, "apply_async"):
        for document in documents:
            for user in (reviewer1, reviewer2):
                annotate(assign(document, user), [(0, 2, "actor")])
        run = agreement_run_request(project=project)
    seen = []
    real = jobs.job_progress

    def spy(model, run_id, value):
        real(model, run_id, value)
        seen.append(AgreementRun.objects.get(pk=run_id).progress)

    with mock.patch.object(jobs, "job_progress", side_effect=spy):
        agreement_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert len(seen) >= 3
    assert seen == sorted(seen) and 0 < seen[0] < 1
    assert run.progress == 1.0


# --- the debounce ---------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_submissions_sends_at_most_two_messages(project, reviewer1):
    documents = [DocumentFactory(project=project) for _ in range(20)]
    assignments = [assign(document, reviewer1) for document in documents]
    with mock.patch.object(agreement_run_task, "apply_async") as apply_async:
        for assignment in assignments[:10]:
            assignment_submit(assignment=assignment)  # each commits; the first run is still pending
        assert apply_async.call_count == 1
        run = AgreementRun.objects.get(project=project)
        assert run.status == JobStatus.PENDING and run.enqueued and run.reason == "submission"
        apply_async.assert_called_once_with(args=(run.pk,))

        # While the run is running, more submissions ask for one more run, not one each.
        jobs.job_start(agreement_runs.AGREEMENT_RUN, run.pk)
        for assignment in assignments[10:]:
            assignment_submit(assignment=assignment)
        assert apply_async.call_count == 1
        run.refresh_from_db()
        assert run.rerun_requested
        assert AgreementRun.objects.filter(project=project).count() == 1

        agreement_run_execute(run_id=run.pk)  # finishes, then requests the one rerun
        assert apply_async.call_count == 2
    runs = list(AgreementRun.objects.filter(project=project).order_by("id"))
    assert [r.status for r in runs] == [JobStatus.DONE, JobStatus.PENDING]
    assert runs[1].reason == "rerun" and not runs[0].rerun_requested
    assert runs[0].results["counts"]["assignments"] == 20  # the run started after every submission committed


def test_a_pending_run_is_reused(project, manager):
    with mock.patch.object(agreement_run_task, "apply_async"), transaction.atomic():
        first = agreement_run_request(project=project, requested_by=manager)
        again = agreement_run_request(project=project, requested_by=manager)
    assert again.pk == first.pk and AgreementRun.objects.count() == 1


def test_a_run_whose_worker_vanished_is_failed_and_replaced(project, manager, settings):
    with mock.patch.object(agreement_run_task, "apply_async"):
        stale = agreement_run_request(project=project)
        long_ago = timezone.now() - timezone.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 600)
        AgreementRun.objects.filter(pk=stale.pk).update(status=JobStatus.RUNNING, started_at=long_ago)
        fresh = agreement_run_request(project=project, requested_by=manager)
    stale.refresh_from_db()
    assert fresh.pk != stale.pk and fresh.status == JobStatus.PENDING
    assert stale.status == JobStatus.FAILED and "worker stopped" in stale.error


@pytest.mark.django_db(transaction=True)
def test_enqueue_only_after_commit_and_rollback_publishes_nothing(project):
    # Enqueue only after commit: a rolled-back transaction publishes nothing.
    with mock.patch.object(agreement_run_task, "apply_async") as apply_async:
        with pytest.raises(RuntimeError), transaction.atomic():
            agreement_run_request(project=project)
            assert apply_async.call_count == 0  # not before the commit
            raise RuntimeError("boom")
        assert apply_async.call_count == 0
        assert not AgreementRun.objects.exists()

        seen_rows = []
        apply_async.side_effect = lambda args: seen_rows.append(AgreementRun.objects.filter(pk=args[0]).exists())
        run = agreement_run_request(project=project)
        apply_async.assert_called_once_with(args=(run.pk,))
        assert seen_rows == [True]  # the worker finds the row
    run.refresh_from_db()
    assert run.enqueued


@pytest.mark.django_db(transaction=True)
def test_a_second_submit_of_the_same_assignment_requests_nothing(project, reviewer1, document):
    # A double submit is a Conflict, and one agreement enqueue.
    from annotations.errors import Conflict

    assignment = assign(document, reviewer1)
    with mock.patch.object(agreement_run_task, "apply_async") as apply_async:
        assignment_submit(assignment=assignment)
        with pytest.raises(Conflict):
            assignment_submit(assignment=assignment)
    assert apply_async.call_count == 1 and AgreementRun.objects.count() == 1


def test_finished_runs_keep_their_summary_for_the_trend_line(project, annotated, reviewer1):
    first = run_now(project)
    extra = DocumentFactory(project=project, text="غارات على ريف إدلب")
    with mock.patch.object(agreement_run_task, "apply_async"):
        annotate(assign(extra, reviewer1), [(0, 5, "actor")])
    second = run_now(project)
    trend = agreement_run_summaries(project)
    assert [point["id"] for point in trend] == [first.pk, second.pk]
    assert trend[0]["summary"]["token_alpha"] == first.results["summary"]["token_alpha"]
    assert trend[1]["summary"]["assignments"] == 5


def test_span_rows_are_read_in_one_query_whatever_the_number_of_documents(
    project, reviewer1, reviewer2, django_assert_max_num_queries
):
    documents = [DocumentFactory(project=project) for _ in range(30)]
    with mock.patch.object(agreement_run_task, "apply_async"):
        for document in documents:
            for user in (reviewer1, reviewer2):
                annotate(assign(document, user), [(0, 3, "actor"), (4, 8, "place")])
        run = agreement_run_request(project=project)
    with django_assert_max_num_queries(40):  # constant: no query per document
        agreement_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.results["counts"]["spans"] == 120
    assert Span.objects.count() == 120


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_concurrent_requests_make_one_run_and_one_message(project, manager):
    """The debounce under real concurrency: 12 threads with their own connections, released at once."""
    import threading

    from django.db import connection, connections

    from tests.conftest import require_service

    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL, as scripts/test.sh does")
    barrier = threading.Barrier(12)
    got, errors = [], []

    def request():
        try:
            barrier.wait()
            got.append(agreement_run_request(project=project, requested_by=manager).pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    with mock.patch.object(agreement_run_task, "apply_async") as apply_async:
        threads = [threading.Thread(target=request) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(set(got)) == 1 and AgreementRun.objects.count() == 1
    assert apply_async.call_count == 1


def test_claim_verdicts_from_the_verification_queue_get_their_own_alpha(project, reviewer1, reviewer2, adjudicator):
    """Verifiers' verdicts are agreement data: nominal alpha with verifiers as coders and claims as units."""
    from django.utils import timezone

    from annotations.agreement import krippendorff_alpha
    from annotations.models import Claim, ClaimVerification
    from annotations.selectors.agreement import agreement_input
    from annotations.services.agreement_runs import agreement_results_compute

    project.claim_verifiers = 3
    project.save()
    claims = [Claim.objects.create(project=project, text=f"ادعاء رقم {n}") for n in range(4)]
    given = {
        reviewer1: ["supported", "refuted", "mixed", "supported"],
        reviewer2: ["supported", "refuted", "supported", "supported"],
        adjudicator: ["supported", "unverifiable", "mixed", None],
    }
    triples = []
    for verifier, verdicts in given.items():
        for claim, verdict in zip(claims, verdicts, strict=True):
            if verdict:
                # stored directly: the queue's rules (evidence, not one's own claim) are tested in test_blind_review
                ClaimVerification.objects.create(
                    claim=claim, verifier=verifier, verdict=verdict, submitted_at=timezone.now()
                )
                triples.append((verifier.pk, claim.pk, verdict))
    results = agreement_results_compute(project=project, snapshot=agreement_input(project))
    assert results["claims"]["verdict_ratings"] == 11
    assert results["claims"]["verdict_alpha"] == pytest.approx(krippendorff_alpha(triples, level="nominal"), abs=1e-12)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reads_on_a_second_connection_give_the_same_report(project, annotated):
    """Outside a transaction, in a large project, grades and claim links are read by a thread on its own
    connection, and so are spans and tokens, batch by batch, while the pieces are computed: the report
    is the one read on one connection."""
    from django.db import connection

    from annotations.selectors import agreement as selectors
    from tests.conftest import require_service

    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL, as scripts/test.sh does")
    with (
        mock.patch.object(agreement_runs, "ASIDE_DOCUMENTS", 1),
        mock.patch.object(selectors, "DOCUMENT_CHUNK", 1),  # two batches
        mock.patch.object(agreement_runs, "_Aside", wraps=agreement_runs._Aside) as aside,
        mock.patch.object(selectors, "_batches_read_aside", wraps=selectors._batches_read_aside) as batches,
    ):
        run = run_now(project)
    assert aside.call_count == 1 and batches.call_count == 1 and run.status == JobStatus.DONE
    assert run.timings["documents_computed"] == 2
    assert run.results["reliability"]["source_reliability"]["alpha"] is not None
    with (
        mock.patch.object(agreement_runs, "_Aside") as unused,
        mock.patch.object(selectors, "_batches_read_aside") as unused_batches,
    ):
        reference = from_scratch(project)
    assert not unused.called and not unused_batches.called
    assert run.results == {**reference, "unchanged": False, "copied_from": None}
