"""Character classes and grapheme clusters shared by tokens, offsets and snap.

Kept in one place so that tokenisation, span validation and selection
snapping can never disagree about where a character ends.  The rules are
restated for the JavaScript port in the docstring of ``annotations.text.snap``;
change both together.

Every class is defined by Unicode general category or by an explicit code
point list, so it can be written with ``\\p{..}`` regexes in JavaScript.
Grapheme clusters are not hand-written: ``regex``'s ``\\X`` here and
``Intl.Segmenter`` in the browser, both UAX #29 extended grapheme clusters.
"""

import unicodedata
from functools import cache, lru_cache
from itertools import accumulate

import regex

ZWNJ = "\u200c"
ZWJ = "\u200d"
SOFT_HYPHEN = "\u00ad"

# Invisible characters that may sit *inside* a word without splitting it.
JOINERS = frozenset((ZWNJ, ZWJ, SOFT_HYPHEN))

# Bidi controls: ALM, LRM, RLM, LRE..RLO (embeddings/overrides), LRI..PDI.
BIDI_CONTROLS = frozenset(
    ["\u061c", "\u200e", "\u200f"] + [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
)

# Invisible characters that separate tokens exactly like whitespace does:
# bidi controls, ZERO WIDTH SPACE, WORD JOINER and the BOM / ZWNBSP.
INVISIBLE_SEPARATORS = BIDI_CONTROLS | frozenset(("\u200b", "\u2060", "\ufeff"))

# Between two decimal digits these keep a number in one token: 3.5, 1,000,
# ٣٫٥ (U+066B ARABIC DECIMAL SEPARATOR), ١٬٠٠٠ (U+066C THOUSANDS SEPARATOR).
NUMBER_SEPARATORS = frozenset((".", ",", "\u066b", "\u066c"))


def category(ch: str) -> str:
    return unicodedata.category(ch)


def is_whitespace(ch: str) -> bool:
    """Z* or Cc (tab, newline, ...); by category so JS can match it exactly."""
    cat = unicodedata.category(ch)
    return cat[0] == "Z" or cat == "Cc"


@cache  # called per character by the tokenizer and snapping: a dictionary lookup after the first time
def is_word_char(ch: str) -> bool:
    """Letters, marks and numbers (L*, M*, N*); tatweel U+0640 is Lm."""
    return unicodedata.category(ch)[0] in "LMN"


def is_digit(ch: str) -> bool:
    return unicodedata.category(ch) == "Nd"


def is_mark(ch: str) -> bool:
    """Combining marks (Mn, Mc, Me): harakat, shadda, variation selectors, keycap."""
    return unicodedata.category(ch)[0] == "M"


def is_variation_selector(ch: str) -> bool:
    cp = ord(ch)
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def is_skin_tone_modifier(ch: str) -> bool:
    return 0x1F3FB <= ord(ch) <= 0x1F3FF


def is_emoji_tag(ch: str) -> bool:
    """Tag characters used by subdivision flags such as England's."""
    return 0xE0020 <= ord(ch) <= 0xE007F


def is_regional_indicator(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def is_arabic_letter(ch: str) -> bool:
    """An Arabic-script letter (Lo in the Arabic blocks); tatweel (Lm) is not one."""
    cp = ord(ch)
    return unicodedata.category(ch) == "Lo" and (
        0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0x08A0 <= cp <= 0x08FF
    )


# Extended grapheme clusters (UAX #29) from the `regex` module, a maintained implementation that
# tracks new Unicode versions; the browser uses Intl.Segmenter with granularity "grapheme".
_GRAPHEME = regex.compile(r"\X", regex.DOTALL)


# UAX #29 always breaks between two characters whose Grapheme_Cluster_Break is Other, Control or LF (no
# rule joins them: every "do not break" rule needs an Extend, ZWJ, SpacingMark, Prepend, CR, Hangul or
# regional indicator character on one side). A run of them followed by another of them or the end is
# therefore a run of one-character clusters, found at once; `\X` is asked only where such a character is
# followed by one of the others (a letter and its harakat, an emoji sequence, CR LF). Most of a text is
# such runs: ten times faster than `\X` alone, which makes every cluster a match.
_SIMPLE = r"\p{Grapheme_Cluster_Break=Other}\p{Grapheme_Cluster_Break=Control}\p{Grapheme_Cluster_Break=LF}"
_SIMPLE_RUN_OR_GRAPHEME = regex.compile(rf"([{_SIMPLE}]+)(?![^{_SIMPLE}])|(\X)", regex.DOTALL)


def grapheme_strings(text: str) -> list[str]:
    """The text's user-perceived characters, in order: the clusters of `_GRAPHEME`."""
    clusters: list[str] = []
    for run, cluster in _SIMPLE_RUN_OR_GRAPHEME.findall(text):
        if run:
            clusters.extend(run)  # one cluster per character
        else:
            clusters.append(cluster)
    return clusters


@lru_cache(maxsize=16)
def graphemes(text: str) -> tuple[tuple[int, int], ...]:
    """The (start, end) code point spans of the text's user-perceived characters, in order."""
    # The clusters as strings and their lengths summed: twice as fast as a match object per cluster.
    ends = tuple(accumulate(map(len, grapheme_strings(text))))
    return tuple(zip((0, *ends[:-1]), ends, strict=True)) if ends else ()


@lru_cache(maxsize=16)
def grapheme_boundaries(text: str) -> frozenset[int]:
    """Every index where a boundary splits no character: 0, len(text) and each cluster start."""
    return frozenset([0, len(text), *(start for start, _ in graphemes(text))])


def cluster_break_kind(text: str, i: int) -> str | None:
    """Why a boundary at index ``i`` would split a user-perceived character.

    None when ``i`` is a grapheme cluster boundary (UAX #29, via ``regex``'s ``\\X``), else what
    follows it: 'regional_indicator', 'zwj', 'variation_selector', 'skin_tone', 'tag', 'mark', or
    'cluster' for anything else UAX #29 keeps together (Hangul syllables, CR LF, prepended marks).
    """
    if i <= 0 or i >= len(text) or i in grapheme_boundaries(text):
        return None
    ch = text[i]
    if is_regional_indicator(ch):
        return "regional_indicator"
    if ch == ZWJ or text[i - 1] == ZWJ:
        return "zwj"
    if ch == ZWNJ:
        return "joiner"
    if is_variation_selector(ch):
        return "variation_selector"
    if is_skin_tone_modifier(ch):
        return "skin_tone"
    if is_emoji_tag(ch):
        return "tag"
    if is_mark(ch):
        return "mark"
    return "cluster"


def is_cluster_continuation(text: str, i: int) -> bool:
    """True when text[i] belongs to the same character as text[i - 1]."""
    return cluster_break_kind(text, i) is not None
