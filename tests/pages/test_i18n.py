"""Language without a browser: catalogs complete, the choice of language (Accept-Language, cookie,
profile), API errors in the reader's language, and no English left in Arabic pages."""

import re
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from annotations.i18n import reason_text
from annotations.models import Role, UserProfile
from annotations.services.assignments import assignment_open
from annotations.services.demo import CONFLICT_EVENT_LABELS, labels_ensure
from tests.factories import DocumentFactory, MembershipFactory, ProjectFactory, UserFactory

LOCALE = Path(__file__).resolve().parents[2] / "annotations" / "locale" / "ar" / "LC_MESSAGES"


def po_entries(path: Path):
    """(msgid, [msgstr...], flags) of every entry but the header."""
    text = path.read_text(encoding="utf-8")
    for block in text.split("\n\n")[1:]:
        if not block.strip() or block.lstrip().startswith("#~"):
            continue
        msgid = "".join(re.findall(r'^msgid "(.*)"$', block, re.M))
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', block, re.M)
        flags = " ".join(re.findall(r"^#, (.*)$", block, re.M))
        yield msgid, msgstrs, flags


@pytest.mark.parametrize("name", ["django.po", "djangojs.po"])
def test_every_string_has_an_arabic_translation(name):
    entries = list(po_entries(LOCALE / name))
    assert len(entries) > 50
    untranslated = [msgid for msgid, msgstrs, flags in entries if not all(msgstrs) or "fuzzy" in flags]
    assert untranslated == []
    placeholders = re.compile(r"%\(\w+\)[sdr]|%[sdr]")
    for msgid, msgstrs, _flags in entries:
        for msgstr in msgstrs:
            assert sorted(placeholders.findall(msgstr)) == sorted(placeholders.findall(msgid)), msgid


@pytest.fixture
def desk(db):
    project = ProjectFactory(slug="badia", name="أخبار البادية")
    labels_ensure(project, CONFLICT_EVENT_LABELS)
    reviewer = UserFactory(username="reviewer1")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    assignment = assignment_open(document=DocumentFactory(project=project), reviewer=reviewer)
    return project, reviewer, assignment


def html_lang(response) -> tuple[str, str]:
    match = re.search(r'<html lang="(\w+)" dir="(\w+)"', response.content.decode())
    return match.group(1), match.group(2)


def test_accept_language_decides_for_a_new_visitor(db):
    assert html_lang(Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ar")) == ("ar", "rtl")
    assert html_lang(Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-GB,en")) == ("en", "ltr")
    assert html_lang(Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr")) == ("en", "ltr")


def test_switch_sets_a_cookie_for_anonymous_visitors(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/i18n/language/", {"language": "ar", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert html_lang(client.get("/accounts/login/")) == ("ar", "rtl")


def test_switch_is_saved_on_the_profile_and_wins_over_the_browser(desk):
    _project, reviewer, _assignment = desk
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(reviewer)
    client.post("/i18n/language/", {"language": "ar", "next": "/"})
    assert UserProfile.objects.get(user=reviewer).language == "ar"
    fresh = Client(HTTP_ACCEPT_LANGUAGE="en")  # another browser, no cookie
    fresh.force_login(reviewer)
    assert html_lang(fresh.get("/")) == ("ar", "rtl")


def test_bad_preferences_are_a_400_or_ignored(desk):
    _project, reviewer, _assignment = desk
    client = Client()
    client.force_login(reviewer)
    assert client.post("/i18n/language/", {"digits": "roman"}).status_code == 400
    assert client.post("/i18n/language/", {"language": "xx", "next": "/"}).status_code == 302
    assert not UserProfile.objects.filter(user=reviewer).exclude(language="").exists()


def test_api_errors_follow_accept_language(desk):
    _project, reviewer, assignment = desk
    client = APIClient()
    client.force_login(reviewer)
    url = f"/api/assignments/{assignment.id}/spans/"
    arabic = client.post(url, {"start": 0, "end": 2}, format="json", HTTP_ACCEPT_LANGUAGE="ar")
    english = client.post(url, {"start": 0, "end": 2}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert arabic.status_code == english.status_code == 400
    assert english.json()["label"] == ["This field is required."]
    assert arabic.json()["label"] == ["هذا الحقل مطلوب."]
    # our strict fields' own refusals too (a number where a string or an integer belongs)
    wrong = {"start": "0", "end": 2, "label": 5}
    arabic = client.post(url, wrong, format="json", HTTP_ACCEPT_LANGUAGE="ar").json()
    english = client.post(url, wrong, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (english["label"], english["start"]) == (["Must be a string."], ["A valid integer is required."])
    assert (arabic["label"], arabic["start"]) == (["يجب أن تكون القيمة نصاً."], ["يلزم عدد صحيح صالح."])
    missing = client.get("/api/assignments/999999/", HTTP_ACCEPT_LANGUAGE="ar")
    assert missing.status_code == 404
    assert not re.search(r"[A-Za-z]{3}", missing.json()["detail"])  # "Not found." from DRF's Arabic catalog


def test_agreement_reasons_are_translated():
    from django.utils import translation

    with translation.override("ar"):
        text = reason_text("Krippendorff's alpha is undefined: no unit has two or more pairable values")
        assert text == "ألفا كريبندورف غير معرّفة: لا توجد وحدة لها قيمتان أو أكثر قابلتان للمقارنة"
        assert "«actor»" in reason_text("span F1 is undefined: no reviewer pair marked a 'actor' span")
        assert reason_text("something new") == "something new"


ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}\b")


def visible_text(html: str) -> str:
    """The page's chrome: no scripts, JSON, article, names (<bdi>), code, keys or lang="en" parts."""
    for tag in ("script", "style", "bdi", "code", "kbd", "pre"):
        html = re.sub(rf"<{tag}\b.*?</{tag}>", " ", html, flags=re.S)
    html = re.sub(r'<(\w+)[^>]*\blang="en"[^>]*>.*?</\1>', " ", html, flags=re.S)
    html = re.sub(r'<div id="article".*?</div>', " ", html, flags=re.S)
    attributes = " ".join(re.findall(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"', html))
    return re.sub(r"<[^>]+>", " ", html) + " " + attributes


def test_pages_rendered_in_arabic_have_no_english_chrome(desk):
    project, reviewer, assignment = desk
    client = Client(HTTP_ACCEPT_LANGUAGE="ar")
    client.force_login(reviewer)
    for url in [
        "/",
        f"/projects/{project.slug}/",
        f"/assignments/{assignment.id}/",
        f"/projects/{project.slug}/claims/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert ENGLISH_RUN.findall(visible_text(response.content.decode())) == [], url


def test_the_javascript_catalog_has_a_url_per_language_and_version_that_browsers_keep(desk):
    _project, reviewer, _assignment = desk
    client = Client()
    client.force_login(reviewer)
    urls = {}
    for language in ("en", "ar"):
        client.post("/i18n/language/", {"language": language, "next": "/"})
        page = client.get("/").content.decode()
        found = re.search(r'<script defer src="(/i18n/catalog\.js\?[^"]+)"', page)
        urls[language] = found.group(1).replace("&amp;", "&")
    assert urls["en"] != urls["ar"] and all("v=" in url for url in urls.values())
    arabic = client.get(urls["ar"])  # the language named in the URL, whatever the cookie now says
    assert arabic.status_code == 200
    assert "max-age=31536000" in arabic["Cache-Control"] and "immutable" in arabic["Cache-Control"]
    assert "\\u06" in arabic.content.decode()  # Arabic translations
    assert "\\u06" not in client.get(urls["en"]).content.decode()
    plain = client.get("/i18n/catalog.js")  # a URL without a version may change: not kept
    assert plain.status_code == 200 and "max-age" not in plain.get("Cache-Control", "")
