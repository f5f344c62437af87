"""Project search ignores Arabic spelling variants and respects blind review."""

import pytest
from django.db import connection, transaction

from annotations.models import Document, Membership
from annotations.selectors.search import documents_matching, lexeme_query, snippets, words_filter
from annotations.services.assignments import assignment_open
from tests.conftest import require_service
from tests.factories import DocumentFactory

SEED_SENTENCE = "و جرى الهجوم بالأسلحة الرشاشة وتمكن من إيقاع عدد كبير من القتلى والجرحى، إذ تأكد مقتل 30 من العسكريين"


@pytest.fixture
def documents(project):
    return {
        "weapons": DocumentFactory(project=project, text=SEED_SENTENCE),
        "isis": DocumentFactory(project=project, text="هاجم تنظيم دَاعِش مواقع قوات النظام في ٣٠ موقعاً"),
        "other": DocumentFactory(project=project, text="اجتماع دبلوماسي في جنيف"),
    }


@pytest.mark.parametrize(
    "query, expected",
    [
        ("اسلحة", ["weapons"]),  # hamza under alef and taa marbuta
        ("الاسلحه", ["weapons"]),
        ("داعش", ["isis"]),  # the stored text has tashkeel
        ("30", ["isis", "weapons"]),  # Arabic-Indic ٣٠ and 30 meet
        ("٣٠", ["isis", "weapons"]),
        ("   ", []),
        ("طائرة", []),
    ],
)
def test_variants_match(documents, manager, project, query, expected):
    membership = Membership.objects.get(user=manager, project=project)
    found = sorted(name for name, doc in documents.items() if doc in documents_matching(membership, query))
    assert found == expected


def test_reviewers_search_only_their_own_documents(documents, reviewer1, project):
    membership = Membership.objects.get(user=reviewer1, project=project)
    assert list(documents_matching(membership, "اسلحة")) == []
    assignment_open(document=documents["weapons"], reviewer=reviewer1)
    assert list(documents_matching(membership, "اسلحة")) == [documents["weapons"]]


def test_snippets_point_at_the_original_text():
    count, found = snippets(SEED_SENTENCE, "اسلحة")
    assert count == 1 and found[0].match == "أسلحة"
    assert (found[0].before + found[0].match + found[0].after).replace("…", "") in SEED_SENTENCE


def test_search_page_highlights_and_escapes(documents, manager, client):
    client.force_login(manager)
    response = client.get("/projects/badia/", {"q": "اسلحة"})
    html = response.content.decode()
    assert "<mark>أسلحة</mark>" in html and "Articles found: 1" in html
    response = client.get("/projects/badia/", {"q": "<script>alert(1)</script>"})
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_document_with_a_word_too_long_to_index_is_still_found(project, manager):
    # PostgreSQL indexes such a document as the lexeme "!" (migration 0018), which every query asks for;
    # the LIKE then decides, as it does for every row found.
    long_word = "تجربة" * 50  # 250 letters
    long = DocumentFactory(project=project, text=f"كلمة طويلة جدا {long_word} في النص")
    short = DocumentFactory(project=project, text="هجوم على مواقع قوات النظام في البادية")
    membership = Membership.objects.get(user=manager, project=project)
    assert list(documents_matching(membership, "تجربةتجربة")) == [long]
    assert list(documents_matching(membership, "طويلة")) == [long]
    assert list(documents_matching(membership, "قوات البادية")) == [short]
    assert list(documents_matching(membership, "طويلة البادية")) == []


def test_the_lexeme_query_asks_for_every_word_as_a_prefix_or_the_unindexed():
    assert lexeme_query(["داعش", "قوات"]) == "('داعش':* & 'قوات':*) | '!'"
    assert lexeme_query(["it's"]) == "('it''s':*) | '!'"  # never a word, quoted all the same


@pytest.mark.postgres  # the index is PostgreSQL's (SQLite scans)
def test_document_search_can_be_answered_by_the_lexeme_index(project):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL, as scripts/test.sh does")
    DocumentFactory(project=project)
    with transaction.atomic(), connection.cursor() as cursor:
        # Only a bitmap scan of an index is left to the planner (a project's search may rather start from
        # the project's rows): if the query's expression were not the index's, none could answer it and
        # the plan would be the (disabled, so costly) sequential scan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = words_filter(Document.objects.all(), "هجوم مواقع", lexemes=True).explain()
    assert "Bitmap Index Scan on document_search_lexemes" in plan, plan
