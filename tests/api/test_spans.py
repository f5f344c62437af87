"""Spans through the API: code point offsets, every refusal with a field message, versions, blind review."""

import pytest

from annotations.models import Assignment, Span
from annotations.services.assignments import assignment_open
from tests.factories import DocumentFactory, LabelTypeFactory, ProjectFactory

# Browser offsets are UTF-16 units, ours code points: الجيش is code points 6..11 but UTF-16 units 7..12 (the emoji is
# two units).
EMOJI_TEXT = "قال 👍 الجيش إن 30 جندياً قتلوا"


@pytest.fixture
def assignment(project, reviewer1):
    document = DocumentFactory(project=project, text=EMOJI_TEXT)
    return assignment_open(document=document, reviewer=reviewer1)


@pytest.fixture
def api(api_client_for, reviewer1):
    return api_client_for(reviewer1)


def post_span(api, assignment, **payload):
    return api.post(f"/api/assignments/{assignment.id}/spans/", payload, format="json")


def test_create_span_in_code_points(api, assignment):
    response = post_span(api, assignment, start=6, end=11, label="actor", quote="الجيش")
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("start", "end", "label", "text", "version")} == {
        "start": 6,
        "end": 11,
        "label": "actor",
        "text": "الجيش",
        "version": 1,
    }
    span = Span.objects.get(pk=body["id"])
    assert span.text == assignment.document.text[span.start : span.end]


def test_quote_is_optional_and_text_comes_from_the_document(api, assignment):
    body = post_span(api, assignment, start=15, end=17, label="casualty_figure").json()
    assert body["text"] == "30"


def test_utf16_offsets_with_a_quote_are_refused(api, assignment):
    response = post_span(api, assignment, start=7, end=12, label="actor", quote="الجيش")
    assert response.status_code == 400
    assert response.json() == {"quote": ["Quote does not match text[7:12]."]}
    assert not Span.objects.exists()


@pytest.mark.parametrize("quote", ["الجيش ", "الجـيش", "ال\u200fجيش"])
def test_quote_is_compared_exactly(api, assignment, quote):
    # The quote is checked exactly.
    response = post_span(api, assignment, start=6, end=11, label="actor", quote=quote)
    assert response.status_code == 400 and list(response.json()) == ["quote"]


def test_a_boundary_inside_a_letter_and_its_marks_is_refused(api, project, reviewer1):
    # A span boundary cannot split a letter from its combining marks: in "كان مَرَّة", ر (6) carries two marks. NFC
    # orders them by combining class, so
    # the stored text has fatha (U+064E, class 30) at 7 and shadda (U+0651, class 33) at 8.
    document = DocumentFactory(project=project, text="كان مَرَّة")
    assert document.text[6:9] == "\u0631\u064e\u0651"
    assignment = assignment_open(document=document, reviewer=reviewer1)
    response = post_span(api, assignment, start=4, end=7, label="actor")  # ends between ر and its marks
    assert response.status_code == 400
    assert response.json() == {"end": ["Span boundary falls inside a character: a combining mark (U+064E) follows it."]}
    response = post_span(api, assignment, start=8, end=10, label="actor")  # starts on the shadda
    assert response.status_code == 400 and list(response.json()) == ["start"]
    assert post_span(api, assignment, start=4, end=10, label="actor").json()["text"] == "مَرَّة"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"start": -1, "end": 3}, "start"),
        ({"start": 0, "end": len(EMOJI_TEXT) + 1}, "end"),
        ({"start": 3, "end": 3}, "end"),
        ({"start": 5, "end": 2}, "end"),
        ({"start": "5", "end": 8}, "start"),
        ({"start": 5.0, "end": 8}, "start"),
        ({"start": True, "end": 8}, "start"),
        ({"start": 0, "end": 2**63}, "end"),
        ({"start": None, "end": 3}, "start"),
        ({"end": 3}, "start"),
    ],
)
def test_bad_offsets_are_400_with_field_messages(api, assignment, payload, field):
    # Offsets: bounds and types.
    response = post_span(api, assignment, label="actor", **payload)
    assert response.status_code == 400
    assert field in response.json()
    assert not Span.objects.exists()


def test_end_beyond_the_text_names_the_length(api, assignment):
    response = post_span(api, assignment, start=0, end=len(EMOJI_TEXT) + 1, label="actor")
    assert response.json() == {"end": [f"Ensure end ≤ {len(EMOJI_TEXT)} (the document length)."]}


def test_label_of_another_project_or_unknown(api, assignment):
    other = LabelTypeFactory(project=ProjectFactory(), name="foreign")
    for name in (other.name, "nope"):
        response = post_span(api, assignment, start=6, end=11, label=name)
        assert response.status_code == 400
        assert response.json() == {"label": [f'Unknown label "{name}" for this project.']}
    response = post_span(api, assignment, start=6, end=11)
    assert response.status_code == 400 and list(response.json()) == ["label"]


def test_overlapping_and_nested_spans_are_allowed(api, assignment):
    for start, end, label in [(6, 11, "actor"), (4, 11, "place"), (6, 11, "place"), (4, 20, "actor")]:
        assert post_span(api, assignment, start=start, end=end, label=label).status_code == 201
    body = api.get(f"/api/assignments/{assignment.id}/").json()
    assert [(s["start"], s["end"], s["label"]) for s in body["spans"]] == [
        (4, 11, "place"),
        (4, 20, "actor"),
        (6, 11, "actor"),
        (6, 11, "place"),
    ]


def test_patch_needs_the_current_version(api, assignment):
    # No lost update: the second writer with a stale version gets 409 and the current span.
    span = post_span(api, assignment, start=6, end=11, label="actor").json()
    first = api.patch(f"/api/spans/{span['id']}/", {"version": 1, "label": "place"}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2 and first.json()["label"] == "place"
    stale = api.patch(f"/api/spans/{span['id']}/", {"version": 1, "start": 4, "end": 11}, format="json")
    assert stale.status_code == 409
    assert stale.json()["detail"] == "This span was changed since you loaded it."
    assert stale.json()["current"] | {} == {
        "id": span["id"],
        "start": 6,
        "end": 11,
        "label": "place",
        "text": "الجيش",
        "version": 2,
    }
    moved = api.patch(f"/api/spans/{span['id']}/", {"version": 2, "start": 4, "end": 11}, format="json").json()
    assert (moved["start"], moved["end"], moved["text"], moved["version"]) == (4, 11, "👍 الجيش", 3)


def test_patch_refuses_read_only_fields_and_changes_nothing(api, assignment, project, reviewer2):
    # No mass assignment: read-only fields stay as they are.
    other = assignment_open(document=DocumentFactory(project=project), reviewer=reviewer2)
    span = post_span(api, assignment, start=6, end=11, label="actor").json()
    response = api.patch(
        f"/api/spans/{span['id']}/",
        {
            "start": 2,
            "end": 5,
            "version": 1,
            "assignment": other.id,
            "created_by": reviewer2.id,
            "document": other.document_id,
            "id": 999,
            "text": "forged",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["assignment"] == ["This field cannot be changed."]
    stored = Span.objects.get(pk=span["id"])
    assert (stored.assignment_id, stored.start, stored.end, stored.text, stored.version) == (
        assignment.id,
        6,
        11,
        "الجيش",
        1,
    )


def test_delete(api, assignment):
    span = post_span(api, assignment, start=6, end=11, label="actor").json()
    assert api.delete(f"/api/spans/{span['id']}/").status_code == 204
    assert api.delete(f"/api/spans/{span['id']}/").status_code == 404
    assert not Span.objects.exists()


def test_submitted_work_is_frozen(api, assignment):
    # Submitted work is frozen, and a double submit is one: one submit succeeds, the next is a 409; nothing changes
    # afterwards.
    span = post_span(api, assignment, start=6, end=11, label="actor").json()
    assert api.post(f"/api/assignments/{assignment.id}/submit/").status_code == 200
    again = api.post(f"/api/assignments/{assignment.id}/submit/")
    assert again.status_code == 409 and again.json() == {"detail": "Assignment already submitted."}
    frozen = {"detail": "Assignment already submitted."}
    assert post_span(api, assignment, start=0, end=3, label="actor").json() == frozen
    assert api.patch(f"/api/spans/{span['id']}/", {"version": 1, "label": "place"}, format="json").json() == frozen
    assert api.delete(f"/api/spans/{span['id']}/").json() == frozen
    assert Span.objects.get().label.name == "actor"
    assignment.refresh_from_db()
    assert assignment.status == "submitted" and assignment.submitted_at


def test_other_reviewers_spans_are_invisible_and_untouchable(api_client_for, assignment, reviewer2, outsider, project):
    # No IDOR, blind review: the same 404 as for a missing id; nothing in the body; rows unchanged.
    span = post_span(api_client_for(assignment.reviewer), assignment, start=6, end=11, label="actor").json()
    assignment_open(document=assignment.document, reviewer=reviewer2)
    for intruder in (reviewer2, outsider):
        client = api_client_for(intruder)
        for method, url, body in [
            ("get", f"/api/assignments/{assignment.id}/", None),
            ("post", f"/api/assignments/{assignment.id}/spans/", {"start": 0, "end": 3, "label": "actor"}),
            ("patch", f"/api/spans/{span['id']}/", {"start": 0, "end": 3, "version": 1}),
            ("delete", f"/api/spans/{span['id']}/", None),
            ("post", f"/api/assignments/{assignment.id}/submit/", None),
        ]:
            response = getattr(client, method)(url, body, format="json")
            assert response.status_code == 404, (intruder, method, url)
            assert "الجيش" not in response.content.decode()
    stored = Span.objects.get(pk=span["id"])
    assert (stored.start, stored.end, stored.version) == (6, 11, 1)
    assert Assignment.objects.get(pk=assignment.pk).status == "leased"


def test_adjudicator_and_manager_can_read_but_not_write(api_client_for, assignment, adjudicator, manager):
    span = post_span(api_client_for(assignment.reviewer), assignment, start=6, end=11, label="actor").json()
    for user in (adjudicator, manager):
        client = api_client_for(user)
        assert client.get(f"/api/assignments/{assignment.id}/").json()["spans"][0]["text"] == "الجيش"
        assert client.delete(f"/api/spans/{span['id']}/").status_code == 404
    assert Span.objects.count() == 1


def test_my_assignments_lists_only_mine(api_client_for, assignment, reviewer2):
    mine = api_client_for(assignment.reviewer).get("/api/assignments/").json()
    assert [a["id"] for a in mine["results"]] == [assignment.id]
    assert api_client_for(reviewer2).get("/api/assignments/").json()["count"] == 0
