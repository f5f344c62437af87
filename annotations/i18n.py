"""Names the interface shows in the reader's language for things whose identifiers stay English
(export formats, Admiralty grades). Identifiers in data, URLs and exports never change."""

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
