"""Character classes and the cluster rule shared by tokens, offsets and snap.

Kept in one place so that tokenisation, span validation and selection
snapping can never disagree about where a character ends.  The rules are
restated for the JavaScript port in the docstring of ``annotations.text.snap``;
change both together.

Every class is defined by Unicode general category or by an explicit code
point list, so it can be written with ``\\p{..}`` regexes in JavaScript.
"""

import unicodedata

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


def is_emoji_base(ch: str) -> bool:
    """So (Other Symbol): a stdlib-only stand-in for Extended_Pictographic."""
    return unicodedata.category(ch) == "So"


def is_extender(ch: str) -> bool:
    """Characters that attach to the character before them."""
    return is_mark(ch) or is_skin_tone_modifier(ch) or is_emoji_tag(ch)


def separates_clusters(ch: str) -> bool:
    """An extender after one of these has no base to attach to (it is orphaned)."""
    return is_whitespace(ch) or ch in INVISIBLE_SEPARATORS or ch in JOINERS


def _emoji_base_before(text: str, zwj_index: int) -> bool:
    """Is there an emoji (So), possibly followed by extenders, right before the ZWJ?"""
    j = zwj_index - 1
    while j >= 0 and is_extender(text[j]):
        j -= 1
    return j >= 0 and is_emoji_base(text[j])


def _is_sequence_zwj(text: str, i: int) -> bool:
    """A ZWJ that glues two emoji into one sequence (👨‍👩‍👧), not a word-internal one."""
    return text[i] == ZWJ and i + 1 < len(text) and is_emoji_base(text[i + 1]) and _emoji_base_before(text, i)


def cluster_break_kind(text: str, i: int) -> str | None:
    """Why a boundary at index ``i`` would split a user-perceived character.

    Returns None when a boundary there is fine, else one of 'regional_indicator',
    'zwj', 'variation_selector', 'skin_tone', 'tag', 'mark'.  Positions 0 and
    len(text) are always fine.  This is deliberately simpler than UAX #29
    (no Hangul, Indic conjunct or CR LF rules): it covers what Arabic news
    text and emoji need, and is easy to port.
    """
    if i <= 0 or i >= len(text):
        return None
    ch = text[i]
    if is_regional_indicator(ch):
        run = 0
        j = i - 1
        while j >= 0 and is_regional_indicator(text[j]):
            run += 1
            j -= 1
        return "regional_indicator" if run % 2 else None
    if ch == ZWJ:
        return "zwj" if _is_sequence_zwj(text, i) else None
    if text[i - 1] == ZWJ and _is_sequence_zwj(text, i - 1):
        return "zwj"
    if is_extender(ch):
        if separates_clusters(text[i - 1]):
            return None
        if is_variation_selector(ch):
            return "variation_selector"
        if is_skin_tone_modifier(ch):
            return "skin_tone"
        if is_emoji_tag(ch):
            return "tag"
        return "mark"
    return None


def is_cluster_continuation(text: str, i: int) -> bool:
    """True when text[i] belongs to the same character as text[i - 1]."""
    return cluster_break_kind(text, i) is not None
