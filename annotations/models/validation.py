"""One validation per entity, used by every path that writes it: the services (API and pages),
import_articles, import_gold and the admin (through the models' `clean()`).

Each function returns the cleaned values or raises ApplicationError whose `fields` name the field and
say what is wrong (the API answers 400 with them; the commands print one line; `clean()` turns them
into the admin form's field errors). The rules themselves are the pure checks of
`annotations.importers` and `annotations.text.offsets`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from annotations.errors import ApplicationError
from annotations.importers import MAX_FIELD_CHARS, check_text, check_url
from annotations.text.chars import BIDI_CONTROLS
from annotations.text.offsets import Message, validate_span

# Claims are shown in lists next to other claims: embeddings, overrides and isolates (U+202A–U+202E,
# U+2066–U+2069) could reorder what a reader sees ("Trojan Source"). Marks (ALM, LRM, RLM) are harmless.
BIDI_REORDERING = frozenset(c for c in BIDI_CONTROLS if "\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069")
MAX_CLAIM_CHARS = 2000
MAX_CLAIM_FIELD_CHARS = {"place": 200, "actor": 200}


def _refuse(field: str, message: str, summary: str | None = None):
    raise ApplicationError(summary or message, fields={field: [message]})


@dataclass(frozen=True)
class DocumentValues:
    text: str  # NFC
    title: str
    source: str
    url: str
    external_id: str


def validate_document(*, text, title="", source="", url="", external_id="") -> DocumentValues:
    """An article's text (no null character, not empty, NFC at most DOCUMENT_MAX_CHARS code points) and
    its optional fields (strings without null characters, within their lengths; the URL http(s) only:
    a `javascript:` or `data:` link must never reach a page). Returns the NFC text and the optional
    fields as given (None as ""): trimming and a title taken from the text are the callers' choice."""
    if not isinstance(text, str):
        _refuse("text", _("Must be a string."))
    text, error = check_text(text, settings.DOCUMENT_MAX_CHARS)
    if error:
        _refuse("text", error[0].upper() + error[1:] + ".", error)
    values = {}
    for name, value in (("title", title), ("source", source), ("url", url), ("external_id", external_id)):
        value = "" if value is None else value
        if not isinstance(value, str):
            _refuse(name, _("Must be a string."))
        if "\x00" in value:
            _refuse(name, _("Null characters are not allowed."))
        if len(value) > MAX_FIELD_CHARS[name]:
            _refuse(
                name, _("Ensure this field has no more than %(limit)d characters.") % {"limit": MAX_FIELD_CHARS[name]}
            )
        values[name] = value
    if values["url"] and (url_error := check_url(values["url"])):
        _refuse("url", url_error)
    return DocumentValues(
        text=text,
        title=values["title"],
        source=values["source"],
        url=values["url"],
        external_id=values["external_id"],
    )


def validate_claim_text(value, field: str = "text", *, max_chars: int = MAX_CLAIM_CHARS) -> str:
    """A claim's text, place or actor: not blank, within its length, no null character, no bidi
    reordering controls. Returns it stripped."""
    if not isinstance(value, str):
        _refuse(field, _("Must be a string."))
    value = value.strip()
    if not value:
        _refuse(field, _("This field may not be blank."), _("Empty."))
    if len(value) > max_chars:
        _refuse(
            field, _("Ensure this field has no more than %(limit)d characters.") % {"limit": max_chars}, _("Too long.")
        )
    if "\x00" in value:
        _refuse(field, _("Null characters are not allowed."), _("Null character."))
    if BIDI_REORDERING & set(value):
        _refuse(
            field,
            _("Bidirectional control characters (U+202A–U+202E, U+2066–U+2069) are not allowed."),
            _("Bidi controls."),
        )
    return value


@dataclass(frozen=True)
class ClaimValues:
    text: str
    place: str
    actor: str


def validate_claim(*, text, place="", actor="") -> ClaimValues:
    """A claim: its text, and its place and actor when given (the same rules, shorter)."""
    return ClaimValues(
        text=validate_claim_text(text),
        place=validate_claim_text(place, "place", max_chars=MAX_CLAIM_FIELD_CHARS["place"]) if place else "",
        actor=validate_claim_text(actor, "actor", max_chars=MAX_CLAIM_FIELD_CHARS["actor"]) if actor else "",
    )


def _translated(message: str) -> str:
    """A refusal of annotations.text.offsets in the request's language."""
    if isinstance(message, Message):
        return _(message.template).format(**message.values)
    return message


def validate_span_offsets(text: str, start, end, quote=None) -> None:
    """A span (a reviewer's or gold) on `text`: bounds, order, no split character, and the quote, when
    given, equal to text[start:end]."""
    errors = validate_span(text, start, end)
    if errors:
        fields = {name: [_translated(message)] for name, message in errors.items()}
        raise ApplicationError(_("Invalid span offsets."), fields=fields)
    if quote is not None and quote != text[start:end]:
        _refuse(
            "quote",
            _("Quote does not match text[%(start)d:%(end)d].") % {"start": start, "end": end},
            _("The quote differs from the text."),
        )


def as_field_errors(check) -> None:
    """Runs one of these checks in a model's `clean()` (the admin's forms): its refusal becomes the
    form's field errors."""
    try:
        check()
    except ApplicationError as exc:
        raise ValidationError(exc.fields or exc.message) from None


__all__ = [
    "as_field_errors",
    "ClaimValues",
    "DocumentValues",
    "validate_claim",
    "validate_claim_text",
    "validate_document",
    "validate_span_offsets",
]
