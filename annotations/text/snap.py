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
* EXTENDER: category M* (Mn, Mc, Me; includes variation selectors
  U+FE00–U+FE0F and keycap U+20E3), skin-tone modifiers U+1F3FB–U+1F3FF,
  tag characters U+E0020–U+E007F.
* EMOJI_BASE: category So.
* REGIONAL_INDICATOR: U+1F1E6–U+1F1FF.

Cluster rule (``chars.cluster_break_kind``)
-------------------------------------------
A boundary at index i (0 < i < len) splits a character, i.e. text[i]
*continues* text[i-1], when the first matching rule says so:

1. text[i] is a REGIONAL_INDICATOR: continues iff the run of consecutive
   REGIONAL_INDICATORs ending at i-1 has odd length (flags are pairs).
2. text[i] is ZWJ: continues iff text[i+1] is an EMOJI_BASE and, skipping
   back from i-1 over EXTENDERs, the first other character is an EMOJI_BASE.
3. text[i-1] is ZWJ and rule 2 holds for i-1: continues (emoji after the ZWJ).
4. text[i] is an EXTENDER: continues unless text[i-1] is WHITESPACE, an
   INVISIBLE_SEPARATOR or a JOINER (then the extender is an orphan with no
   base to keep it with; a span may start at it).
5. Otherwise it does not continue.

Index 0 and len(text) never split a character.  This is a small subset of
UAX #29 grapheme clusters (no Hangul, Indic or CR LF rules).

Tokens (``tokens.tokenize``)
----------------------------
Scan from i = 0:

* text[i] is WHITESPACE, INVISIBLE_SEPARATOR or JOINER: skip it.
* text[i] is a WORD_CHAR: a word token.  j = i + 1; repeat, first match
  wins: text[j] continues text[j-1] (cluster rule) or is a WORD_CHAR -> j+1;
  text[j] starts a run of JOINERs whose next character is a WORD_CHAR ->
  j = that character's index; text[j] is a NUMBER_SEPARATOR with DIGITs at
  j-1 and j+1 -> j+2; else stop.
* anything else (punctuation, symbols, emoji, other format characters): a
  token of text[i] plus every following character that continues the one
  before it (cluster rule).

Word snapping (``snap_to_words``)
---------------------------------
Take every token t with t.start < end and t.end > start (strict overlap).
None overlap (the selection is empty or only whitespace/invisible marks):
return None, meaning there is nothing to annotate.  Otherwise return
(first.start, last.end).  So partial words grow to whole words, edge
whitespace and bidi marks are trimmed, punctuation is only included when the
selection touches it (selecting inside “داعش” gives داعش without the
quotes; a selection across أثريا-الرقة keeps the hyphen), and a selection
that already is whole tokens comes back unchanged.

Cluster snapping (``snap_to_clusters``), for when word snapping is off:
move start left while it splits a character, move end right while it
splits a character.  Nothing is trimmed.  An empty selection (a caret)
moves left to the start of its character and stays empty.
"""

from bisect import bisect_left, bisect_right

from .chars import is_cluster_continuation
from .tokens import tokenize


def _check_selection(text: str, start: int, end: int) -> None:
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"selection [{start}, {end}) is not within 0..{len(text)}")


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Grow [start, end) to the whole tokens it touches; None if it touches none."""
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
    return tokens[first].start, tokens[last].end


def snap_to_clusters(text: str, start: int, end: int) -> tuple[int, int]:
    """Move boundaries off combining marks and emoji parts; an empty selection stays empty."""
    _check_selection(text, start, end)
    collapsed = start == end
    while start > 0 and is_cluster_continuation(text, start):
        start -= 1
    if collapsed:
        return start, start
    while end < len(text) and is_cluster_continuation(text, end):
        end += 1
    return start, end
