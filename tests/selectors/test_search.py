"""Project search ignores Arabic spelling variants and respects blind review."""

import pytest

from annotations.models import Membership
from annotations.selectors.search import documents_matching, snippets
from annotations.services.assignments import assignment_open
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
