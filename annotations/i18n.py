"""Names the interface shows in the reader's language for things whose identifiers stay English
(export formats, Admiralty grades). Identifiers in data, URLs and exports never change."""

import functools
import hashlib
import re
from pathlib import Path

import django
from django.utils.translation import gettext_lazy as _

FORMAT_TITLES = {
    "jsonl": _("Gold JSON Lines"),
    "conll": _("CoNLL (BIO, one column per label)"),
    "web-annotation": _("W3C Web Annotation (JSON-LD)"),
    "claimreview": _("schema.org ClaimReview (JSON-LD)"),
    "csv": _("CSV of gold spans"),
    "conll2003": _("CoNLL-2003 NER (token and one IOB2 tag)"),
    "web-annotation-jsonl": _("W3C Web Annotation, one annotation per line (JSON-LD lines)"),
}

# The Admiralty (NATO) code, explained: source reliability A-F, information credibility 1-6.
RELIABILITY_EXPLAINED = {
    "A": _("A: completely reliable"),
    "B": _("B: usually reliable"),
    "C": _("C: fairly reliable"),
    "D": _("D: not usually reliable"),
    "E": _("E: unreliable"),
    "F": _("F: reliability cannot be judged"),
}
CREDIBILITY_EXPLAINED = {
    1: _("1: confirmed by other sources"),
    2: _("2: probably true"),
    3: _("3: possibly true"),
    4: _("4: doubtful"),
    5: _("5: improbable"),
    6: _("6: truth cannot be judged"),
}


def format_title(name: str, default: str) -> str:
    return str(FORMAT_TITLES.get(name, default))


# Why a coefficient is undefined: the pure agreement modules (no Django) store English sentences
# "<coefficient> is undefined: <why>" in each run's results; the dashboard shows them translated.
_REASON_HEADS = {
    "Krippendorff's alpha is undefined": _("Krippendorff's alpha is undefined"),
    "span F1 is undefined": _("span F1 is undefined"),
    "Fleiss' kappa is undefined": _("Fleiss' kappa is undefined"),
    "Cohen's kappa is undefined": _("Cohen's kappa is undefined"),
}
_REASON_TAILS = {
    "no unit has two or more pairable values": _("no unit has two or more pairable values"),
    "only one category was used, so expected disagreement is 0": _(
        "only one category was used, so expected disagreement is 0"
    ),
    "no document has two submitted reviewers": _("no document has two submitted reviewers"),
    "the document has no tokens": _("the document has no tokens"),
    "neither reviewer marked a span in the documents they share": _(
        "neither reviewer marked a span in the documents they share"
    ),
    "no reviewer marked a span in this document": _("no reviewer marked a span in this document"),
    "only one reviewer has submitted this document": _("only one reviewer has submitted this document"),
    "only one category was used, so P_e = 1": _("only one category was used, so P_e = 1"),
    "both coders used only one category, so chance agreement is 1": _(
        "both coders used only one category, so chance agreement is 1"
    ),
    "Krippendorff's alpha is undefined in every bootstrap replicate": _(
        "Krippendorff's alpha is undefined in every bootstrap replicate"
    ),
}
_PAIR_LABEL = re.compile(r"^no reviewer pair marked a (['\"])(?P<name>.*)\1 span$")


def reason_text(reason: str) -> str:
    """One stored reason in the interface language (unknown sentences stay as they are)."""
    if not isinstance(reason, str):
        return reason
    head, sep, tail = reason.partition(": ")
    if not sep:
        head, tail = "", reason
    translated_tail = _REASON_TAILS.get(tail)
    if translated_tail is None:
        match = _PAIR_LABEL.match(tail)
        if match is None:
            return reason
        translated_tail = _("no reviewer pair marked a “%(label)s” span") % {"label": match["name"]}
    if not head:
        return str(translated_tail)
    if head not in _REASON_HEADS:
        return reason
    return f"{_REASON_HEADS[head]}: {translated_tail}"


def localize_reasons(value):
    """A copy of `value` (the dashboard's data) with every `reasons` map translated."""
    if isinstance(value, dict):
        return {
            key: (
                {k: reason_text(v) for k, v in item.items()}
                if key == "reasons" and isinstance(item, dict)
                else localize_reasons(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [localize_reasons(item) for item in value]
    return value


@functools.cache
def javascript_catalog_version(language: str) -> str:
    """A short hash of what the JavaScript catalog of `language` is made of (the compiled djangojs catalogs
    and Django's version, whose formats it carries): it changes when a deploy changes the catalog, so the
    catalog's URL can carry it and the browser can keep the catalog without asking again."""
    digest = hashlib.sha256(f"{language} {django.get_version()}".encode())
    for path in sorted((Path(__file__).resolve().parent / "locale").glob("*/LC_MESSAGES/djangojs.mo")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
