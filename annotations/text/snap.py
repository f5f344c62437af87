"""Snapping a user's selection to whole words or whole characters.

The browser re-implements these rules in JavaScript; this docstring is the
specification both implementations follow.  Change them together.

Conventions
-----------
Offsets are code point indices into NFC text (JavaScript: iterate with
``for...of`` / ``Array.from(text)``, never ``text[i]``, and convert with the
UTF-16 helpers of ``annotations.text.offsets``).  Categories are Unicode
general categories (JavaScript: ``/\\p{Mn}/u`` etc.).  Python's
``unicodedata`` is Unicode 14 (Python 3.11); characters assigned later have
category Cn here and may differ in a newer browser.

Character classes
-----------------
* WHITESPACE: category Z* (Zs, Zl, Zp) or Cc (tab, CR, LF, ...).
* INVISIBLE_SEPARATOR: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069
  (bidi controls), U+200B, U+2060, U+FEFF.
* JOINER: U+200C ZWNJ, U+200D ZWJ, U+00AD SOFT HYPHEN.
* WORD_CHAR: category L*, M* or N* (Arabic letters, harakat, shadda,
  tatweel U+0640 which is Lm, Latin letters, digits of any script).
* DIGIT: category Nd.
* NUMBER_SEPARATOR: ``.`` ``,`` U+066B ``٫`` U+066C ``٬``.

Grapheme clusters (``chars.graphemes``)
---------------------------------------
Extended grapheme clusters of Unicode UAX #29, from maintained
implementations on both sides: Python ``regex``'s ``\\X``, the browser's
``new Intl.Segmenter(undefined, {granularity: "grapheme"})``.  A boundary
that is not a cluster boundary splits a character (a letter from its
harakat, an emoji from its skin tone, a flag's two halves, a ZWJ sequence).
Index 0 and len(text) are always boundaries.  Note that, per UAX #29, a
combining mark after a space belongs to the space, and ZWNJ/ZWJ attach to
the character before them.

Tokens (``tokens.tokenize``)
----------------------------
Walk the grapheme clusters in order; classify each by its first character:

* WHITESPACE, INVISIBLE_SEPARATOR or JOINER: skip it.
* a WORD_CHAR: a word token.  Then repeat, first match wins: the next
  cluster starts with a WORD_CHAR -> take it; a run of clusters starting
  with JOINERs is followed by one starting with a WORD_CHAR -> take them all;
  the next cluster is a lone NUMBER_SEPARATOR, the token so far ends with a
  DIGIT and the cluster after it starts with one -> take both; else stop.
* anything else (punctuation, symbols, emoji, other format characters): a
  token of that one cluster.

Word snapping (``snap_to_words``)
---------------------------------
Take every token t with t.start < end and t.end > start (strict overlap).
None overlap (the selection is empty or only whitespace/invisible marks):
return None, meaning there is nothing to annotate.  Otherwise the result is
(first.start, last.end), except at clitics (``annotations.text.clitics``):

* if start falls strictly inside the first token exactly where a proclitic
  sequence ends (و|قوات, ب|بادية, وب|الأسلحة, لل|جيش), start is kept;
* if end falls strictly inside the last token exactly where an enclitic
  pronoun starts (قوات|ه, مواقع|هم), end is kept.

So partial words grow to whole words, a reviewer who leaves out a clitic
keeps exactly what they marked, edge whitespace and bidi marks are trimmed,
punctuation is only included when the selection touches it (selecting inside
“داعش” gives داعش without the quotes; a selection across أثريا-الرقة keeps
the hyphen), and a selection that already is whole tokens comes back
unchanged.

Clitic rule (``clitics.proclitic_ends`` / ``clitics.enclitic_starts``)
---------------------------------------------------------------------
Count only Arabic letters (category Lo in U+0600–U+06FF, U+0750–U+077F,
U+08A0–U+08FF); harakat and tatweel are skipped and stay with the letter
before them.  A word (token) must start with an Arabic letter to have
proclitics and end with one (then optional marks/tatweel) to have enclitics.
Proclitics: an optional conjunction و ف, then an optional preposition ب ك
ل, then an optional article ال (after the preposition ل, the article is a
single ل: للجيش); a cut is allowed after each part present.  Enclitics: the
letters end with ه ها هم هما هن ك كم كما كن نا ي; a cut is allowed before
each that matches.  Either way at least two letters must remain on the stem
side.  The cut's offset is the index of the first letter after it (so the
clitic's own harakat stay with it).

Exact selection (``snap_to_clusters``), for when word snapping is off or
the reviewer holds Alt (or turns on the toolbar's exact toggle): move start
left while it is not a cluster boundary, move end right while it is not.
Nothing is trimmed.  An empty selection (a caret) moves left to the start of
its character and stays empty.
"""

from bisect import bisect_left, bisect_right

from .chars import grapheme_boundaries
from .clitics import enclitic_starts, proclitic_ends
from .tokens import tokenize


def _check_selection(text: str, start: int, end: int) -> None:
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"selection [{start}, {end}) is not within 0..{len(text)}")


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Grow [start, end) to the whole tokens it touches, keeping a cut at a clitic; None if it touches none."""
    _check_selection(text, start, end)
    if start == end:
        return None
    tokens = tokenize(text)
    ends = [token.end for token in tokens]
    starts = [token.start for token in tokens]
    first = bisect_right(ends, start)  # first token ending after start
    last = bisect_left(starts, end) - 1  # last token starting before end
    if first > last:
        return None
    head, tail = tokens[first], tokens[last]
    snapped_start, snapped_end = head.start, tail.end
    if head.start < start and start - head.start in proclitic_ends(head.text):
        snapped_start = start
    if end < tail.end and end - tail.start in enclitic_starts(tail.text):
        snapped_end = end
    return snapped_start, snapped_end


def snap_to_clusters(text: str, start: int, end: int) -> tuple[int, int]:
    """Move boundaries off combining marks and emoji parts; an empty selection stays empty."""
    _check_selection(text, start, end)
    boundaries = grapheme_boundaries(text)
    collapsed = start == end
    while start not in boundaries:
        start -= 1
    if collapsed:
        return start, start
    while end not in boundaries:
        end += 1
    return start, end
