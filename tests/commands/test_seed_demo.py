"""seed_demo: idempotent, ships its own seed articles, refuses when DEBUG is off."""

import hashlib
import unicodedata
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations.models import Document, LabelType, Membership, Project
from annotations.services.demo import SEED_DIR

SEED_FILES = sorted(Path(SEED_DIR).glob("*.txt"))


def counts():
    from django.contrib.auth import get_user_model

    return {
        model.__name__: model.objects.count() for model in (Project, Document, LabelType, Membership, get_user_model())
    }


def test_seed_demo_twice_adds_nothing_the_second_time(db, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo", "--password", "demo-pass")
    first = counts()
    assert first == {"Project": 1, "Document": 2, "LabelType": 7, "Membership": 5, "User": 5}
    call_command("seed_demo")
    assert counts() == first
    assert "passwords unchanged" in capsys.readouterr().out


def test_seed_articles_are_the_shipped_files_exactly(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", "--password", "demo-pass")
    assert len(SEED_FILES) == 2
    for path in SEED_FILES:
        document = Document.objects.get(external_id=path.stem)
        assert document.text == unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))


def test_demo_labels_cover_conflict_events_in_both_languages(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", "--password", "demo-pass")
    labels = list(LabelType.objects.order_by("order").values_list("name", "name_ar", "hotkey"))
    assert [name for name, _, _ in labels] == [
        "actor",
        "place",
        "date_time",
        "casualty_figure",
        "weapon",
        "attributed_source",
        "event",
    ]
    assert all(name_ar for _, name_ar, _ in labels)
    assert [hotkey for _, _, hotkey in labels] == list("1234567")


def test_demo_accounts_can_sign_in(db, settings, client):
    settings.DEBUG = True
    call_command("seed_demo", "--password", "demo-pass")
    for username in ["manager", "adjudicator", "reviewer1", "reviewer2", "reviewer3"]:
        assert client.login(username=username, password="demo-pass")


def test_random_passwords_are_printed(db, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert out.count("password ") == 5


def test_refuses_when_debug_is_off_without_force(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off, so pass --force"):
        call_command("seed_demo")
    assert Project.objects.count() == 0
    call_command("seed_demo", "--force", "--password", "x")
    assert Project.objects.count() == 1


# SHA-256 of the two real articles the demo ships, taken from the originals the project was given:
# the shipped copies must stay byte for byte what was published (no editor "fixing" the Arabic).
SEED_SHA256 = {
    "000_462e2a015118a763.txt": "73b05d9d76ad15a40c741a606a939e1e2bf851abca8ac43898d267d09a402362",
    "004_5b3245e84dddcc03.txt": "c4d3029ce811697c9c904d89d4993d7edf58029920dc34035eeb4f6e926b8e93",
}


def test_shipped_seed_files_are_the_original_articles():
    assert {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in SEED_FILES} == SEED_SHA256
