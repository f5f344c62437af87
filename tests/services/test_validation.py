"""Every writer validates: the same document, claim and span rules on every path that writes them
(the API's services, import_articles, import_gold and the admin), so none stores what another refuses."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from annotations.errors import ApplicationError, ImportLineError
from annotations.models import Claim, Document, GoldSpan
from annotations.models.validation import validate_claim, validate_document, validate_span_offsets
from annotations.services.claims import claim_create
from annotations.services.documents import document_create, documents_import
from annotations.services.gold_import import gold_import

TEXT = "قال الجيش إن 30 جندياً قتلوا في هجوم على الرقة"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: reorders what a reader sees


# --- the rules ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"text": TEXT, "url": "javascript:alert(1)"}, "url"),
        ({"text": TEXT, "url": "data:text/html,<script>"}, "url"),
        ({"text": "  "}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"text": TEXT, "title": "x" * 501}, "title"),
        ({"text": TEXT, "external_id": "a\x00"}, "external_id"),
    ],
)
def test_document_rules(values, field, settings):
    with pytest.raises(ApplicationError) as refused:
        validate_document(**values)
    assert list(refused.value.fields) == [field]


def test_document_text_limit(settings):
    settings.DOCUMENT_MAX_CHARS = 10
    with pytest.raises(ApplicationError) as refused:
        validate_document(text=TEXT)
    assert refused.value.fields == {"text": [f"Text has {len(TEXT)} characters; the limit is 10."]}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"text": f"قتل 30 {RLO}جندياً"}, "text"),
        ({"text": "\u2066x\u2069"}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"text": "ok", "place": "x" * 201}, "place"),
        ({"text": "ok", "actor": f"{RLO}x"}, "actor"),
    ],
)
def test_claim_rules(values, field):
    with pytest.raises(ApplicationError) as refused:
        validate_claim(**values)
    assert list(refused.value.fields) == [field]


def test_claim_rules_allow_bidi_marks():
    # RLM / ALM are ordinary in Arabic text and reorder nothing.
    assert validate_claim(text="قال\u200f الجيش\u061c").text == "قال\u200f الجيش\u061c"


def test_span_rules():
    with pytest.raises(ApplicationError):
        validate_span_offsets(TEXT, 5, 3)
    with pytest.raises(ApplicationError) as refused:
        validate_span_offsets(TEXT, 0, 3, quote="غير")
    assert "quote" in refused.value.fields
    validate_span_offsets(TEXT, 0, 3, quote=TEXT[:3])


# --- the services (API) ---------------------------------------------------------------------------------
def test_document_create_refuses_a_javascript_url(project):
    with pytest.raises(ApplicationError) as refused:
        document_create(project=project, text=TEXT, url="javascript:alert(1)")
    assert "url" in refused.value.fields and not Document.objects.exists()


def test_claim_create_refuses_bidi_overrides(project, manager):
    with pytest.raises(ApplicationError) as refused:
        claim_create(project=project, text=f"ادعاء {RLO}مقلوب", created_by=manager)
    assert "text" in refused.value.fields and not Claim.objects.exists()


# --- import_articles ------------------------------------------------------------------------------------
def test_import_articles_refuses_what_document_create_refuses(project, tmp_path):
    bad = tmp_path / "articles.jsonl"
    bad.write_text(
        json.dumps({"text": TEXT}) + "\n" + json.dumps({"text": TEXT + ".", "url": "javascript:alert(1)"}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportLineError) as refused:
        documents_import(project=project, paths=[bad])
    assert refused.value.line == 2 and "url" in refused.value.message
    assert not Document.objects.exists()  # all or nothing


def test_import_articles_refuses_an_over_long_name_as_external_id(project, tmp_path):
    long_name = tmp_path / ("a" * 210 + ".txt")
    long_name.write_text(TEXT, encoding="utf-8")
    with pytest.raises(ImportLineError) as refused:
        documents_import(project=project, paths=[long_name])
    assert "external_id" in refused.value.message and not Document.objects.exists()


# --- import_gold ----------------------------------------------------------------------------------------
def gold_line(**fields) -> str:
    record = {"text": TEXT, "spans": [{"start": 4, "end": 9, "label": "actor", "text": TEXT[4:9]}]}
    record.update(fields)
    return json.dumps(record, ensure_ascii=False)


def import_lines(project, tmp_path, *lines):
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return gold_import(project=project, path=path)


def test_import_gold_accepts_a_valid_record(project, tmp_path):
    result = import_lines(project, tmp_path, gold_line(url="https://example.org/a"))
    assert result.created_documents == 1 and GoldSpan.objects.get().text == TEXT[4:9]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "javascript:alert(1)"}, "url: Enter a valid URL (http or https)."),
        ({"title": "x" * 501}, "title: Ensure this field has no more than 500 characters."),
        (
            {
                "claim_links": [
                    {"span": 0, "stance": "supports", "claim": {"text": f"ادعاء {RLO}مقلوب", "verdict": "unverified"}}
                ]
            },
            "text: Bidirectional control characters (U+202A–U+202E, U+2066–U+2069) are not allowed.",
        ),
    ],
)
def test_import_gold_refuses_what_the_services_refuse(project, tmp_path, fields, message):
    with pytest.raises(ImportLineError) as refused:
        import_lines(project, tmp_path, gold_line(), gold_line(text=TEXT + ".", **fields))
    assert refused.value.line == 2 and refused.value.message.endswith(message)
    assert not Document.objects.exists() and not Claim.objects.exists()  # all or nothing


@override_settings(DOCUMENT_MAX_CHARS=20)
def test_import_gold_refuses_an_over_long_text(project, tmp_path):
    with pytest.raises(ImportLineError) as refused:
        import_lines(project, tmp_path, gold_line())
    assert "the limit is 20" in refused.value.message and not Document.objects.exists()


def test_import_gold_refuses_a_span_that_splits_a_character(project, tmp_path):
    text = "قالَ الجيش"  # a fatha (U+064E) after the lam: offset 4 splits it from its letter
    line = json.dumps({"text": text, "spans": [{"start": 0, "end": 3, "label": "actor", "text": text[:3]}]})
    with pytest.raises(ImportLineError) as refused:
        import_lines(project, tmp_path, line)
    assert refused.value.line == 1 and not GoldSpan.objects.exists()


# --- the admin ------------------------------------------------------------------------------------------
@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-tests-1")
    client.force_login(admin)
    return client


def test_the_admin_refuses_an_over_long_document(project, admin_client, settings):
    settings.DOCUMENT_MAX_CHARS = 10
    response = admin_client.post(
        "/admin/annotations/document/add/", {"project": project.pk, "text": TEXT, "title": "", "url": ""}
    )
    assert response.status_code == 200  # the form again, with the error
    assert "the limit is 10" in response.content.decode() and not Document.objects.exists()


@pytest.mark.filterwarnings("error::DeprecationWarning", "error::PendingDeprecationWarning")
def test_the_admin_reads_a_link_without_scheme_as_https(project, admin_client):
    response = admin_client.post(
        "/admin/annotations/document/add/", {"project": project.pk, "text": TEXT, "title": "", "url": "example.org/a"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Document.objects.get().url == "https://example.org/a"


def test_the_admin_refuses_a_claim_with_bidi_overrides(project, admin_client):
    response = admin_client.post(
        "/admin/annotations/claim/add/",
        {
            "project": project.pk,
            "text": f"ادعاء {RLO}مقلوب",
            "verdict": "unverified",
            "version": 1,
            "verdict_changes-TOTAL_FORMS": 0,
            "verdict_changes-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "Bidirectional control characters" in response.content.decode() and not Claim.objects.exists()
