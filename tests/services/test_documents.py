"""Documents: NFC once, hash of the stored text, immutable, no duplicates per project."""

import hashlib
import unicodedata

import pytest
from django.core.exceptions import ValidationError

from annotations.errors import ApplicationError, Conflict
from annotations.models import Document
from annotations.services.documents import document_create


def test_create_stores_nfc_and_its_hash(project):
    nfd = unicodedata.normalize("NFD", "قُتِلَ ٣٠ جندياً في الرُّصافة")
    document = document_create(project=project, text=nfd, source="المرصد السوري", url="https://syriahr.com/x")
    document.refresh_from_db()
    assert document.text == unicodedata.normalize("NFC", nfd)
    assert document.sha256 == hashlib.sha256(document.text.encode("utf-8")).hexdigest()
    assert document.source.name == "المرصد السوري" and document.source.domain == "syriahr.com"
    assert document.title == document.text  # a one-line article is its own title


def test_duplicate_text_is_a_conflict_naming_the_existing_document(project):
    first = document_create(project=project, text="نص الخبر")
    with pytest.raises(Conflict) as error:
        document_create(project=project, text=unicodedata.normalize("NFD", "نص الخبر"))
    assert error.value.extra == {"id": first.id}
    assert Document.objects.count() == 1


def test_same_text_in_another_project_is_allowed(project, other_project):
    document_create(project=project, text="نص الخبر")
    document_create(project=other_project, text="نص الخبر")
    assert Document.objects.count() == 2


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"text": "   "}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"text": "نص", "url": "javascript:alert(1)"}, "url"),
        ({"text": "نص", "url": "ftp://example.org/x"}, "url"),
    ],
)
def test_bad_input_names_the_field(project, kwargs, field):
    with pytest.raises(ApplicationError) as error:
        document_create(project=project, **kwargs)
    assert list(error.value.fields) == [field]
    assert Document.objects.count() == 0


def test_text_is_immutable(project):
    document = document_create(project=project, text="النص الأصلي")
    document.text = "نص مصحح"
    with pytest.raises(ValidationError, match="immutable"):
        document.save()
    document.refresh_from_db()
    assert document.text == "النص الأصلي"
    document.title = "عنوان جديد"  # metadata may change
    document.save()
