"""Claim search by words (issue 12): every query word, any order, folded and without proclitics; ranked;
the found words marked. Near duplicates by words, through the similarity keys, not a scan."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Claim, ClaimSimilarityKey, Membership
from annotations.selectors.claims import claim_list
from annotations.services.claims import claims_similar

CLAIM = "اشتعلت مواجهات بين داعش وقوات النظام على طريق أثريا-الرقة"


@pytest.fixture
def claims(project, manager):
    return {
        "road": Claim.objects.create(project=project, text=CLAIM, created_by=manager),
        "rusafa": Claim.objects.create(
            project=project, text="قتل 30 عنصراً من قوات النظام ببادية الرصافة", created_by=manager
        ),
        "other": Claim.objects.create(project=project, text="اجتماع دبلوماسي في جنيف", created_by=manager),
    }


def found(project, user, query):
    membership = Membership.objects.get(user=user, project=project)
    return [claim.text for claim in claim_list(membership, query)]


@pytest.mark.parametrize(
    "query",
    [
        "مواجهات داعش",  # the two searches of issue 12
        "اشتعلت المواجهات",
        "داعش مواجهات",  # any order
        "الرقة أثريا اشتعلت",
        "والمواجهات لداعش",  # proclitics on the query side
        "القوات",  # و+قوات in the claim, ال+قوات in the query
        "مُواجَهات  داعِش",  # tashkeel and extra spaces
        "اثريا",  # hamza folded
    ],
)
def test_every_query_word_in_any_order_finds_the_claim(claims, project, manager, query):
    assert CLAIM in found(project, manager, query)


@pytest.mark.parametrize("query", ["مواجهات داعش جنيف", "اشتعلت طائرات", "حلب", "، .", "ين"])
def test_a_word_the_claim_lacks_does_not_find_it(claims, project, manager, query):
    assert CLAIM not in found(project, manager, query)


def test_results_are_ranked_by_relevance(claims, project, manager):
    # قوات is a whole word of both; النظام is a whole word of both: the shorter claim comes first
    assert found(project, manager, "قوات النظام") == [claims["rusafa"].text, CLAIM]
    # a whole-word match outranks a prefix match
    Claim.objects.create(project=project, text="الموقف نظامي", created_by=manager)
    assert found(project, manager, "نظام")[-1] == "الموقف نظامي"


def test_the_claims_page_marks_the_found_words(claims, manager, client):
    client.force_login(manager)
    html = client.get("/projects/badia/claims/", {"q": "المواجهات داعش"}).content.decode()
    assert "اشتعلت <mark>مواجهات</mark> بين <mark>داعش</mark> وقوات" in html
    html = client.get("/projects/badia/claims/", {"q": "<b>داعش</b>"}).content.decode()
    assert "<b>" not in html.split("<main")[1].split("</form>")[1]


def test_the_issues_near_duplicates_are_flagged(project, manager):
    original = Claim.objects.create(project=project, text="اشتعلت المواجهات بين داعش وقوات النظام", created_by=manager)
    Claim.objects.create(project=project, text="اجتماع دبلوماسي في جنيف", created_by=manager)
    assert claims_similar(project=project, text="اندلعت مواجهات بين داعش و قوات النظام") == [original]
    assert claims_similar(project=project, text="اندلعت مواجهات بين داعش والجيش التركي في الشمال") == []


def test_near_duplicates_are_found_through_the_keys_not_a_scan(project, manager):
    for i in range(30):
        Claim.objects.create(project=project, text=f"خبر رقم {i} عن اجتماع في مدينة رقم {i * 7}", created_by=manager)
    original = Claim.objects.create(project=project, text=CLAIM, created_by=manager)
    assert ClaimSimilarityKey.objects.filter(claim=original).count() > 0
    with CaptureQueriesContext(connection) as queries:
        assert claims_similar(project=project, text=CLAIM.replace("اشتعلت", "اندلعت")) == [original]
    assert len(queries) == 2  # the keys, then the few candidates
    fetched = queries[1]["sql"]
    assert "IN" in fetched and fetched.count("%s") <= 50


def test_a_blank_query_lists_the_whole_catalogue(claims, project, manager):
    assert len(found(project, manager, "   ")) == 3
