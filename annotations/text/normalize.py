"""NFC normalisation and search-only folding of Arabic spelling variants.

Stored text is NFC and nothing else: never NFKC (U+FEFB lam-alef stays one
code point) and never folded.  Folding exists only to *find* text; every
match is mapped back to code point offsets in the original, so the stored
text and its offsets are never touched.

What ``fold_for_search`` does, character by character (context-free, so the
offset map is exact):

* alef forms أ إ آ ٱ (and U+0672, U+0673) -> ا
* hamza on a seat: ؤ -> و and ئ -> ي.  Deliberate: these letters are
  canonically و/ي + U+0654 HAMZA ABOVE and that mark is removed with the
  other marks, so for Arabic-script text fold(NFC(x)) == fold(NFD(x)).  It also
  lets informal spellings that drop the hamza find the full one (سوال finds
  سؤال).  It does not reconcile a different seat: مسئول and مسؤول fold to
  different strings.  Bare hamza ء is a letter and stays.  Likewise
  ۀ -> ە, ۂ -> ہ, ۓ -> ے.
* taa marbuta ة -> ه; alef maqsura ى -> ي; Persian ک -> ك, ی -> ي
* removed: tatweel U+0640; tashkeel U+064B–U+065F, superscript alef U+0670,
  Quranic marks U+06D6–U+06ED, and every other Mn mark of the Arabic blocks
  (U+0610–U+061A, Arabic Extended-A); variation selectors; bidi controls
  (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069); U+200B–U+200D,
  U+2060, U+FEFF and the soft hyphen
* digits: Arabic-Indic U+0660–U+0669 and Persian U+06F0–U+06F9 -> 0–9
* Arabic presentation forms (U+FB50–U+FDFF, U+FE80–U+FEFC) -> their
  compatibility letters, folded again (ﻷ -> لا); their isolated harakat
  forms U+FE70–U+FE7F (except U+FE73) are removed
* everything else: ``str.casefold`` (Latin case; ß -> ss)

Whitespace and punctuation are kept as they are.
"""

import unicodedata
from functools import lru_cache

from .chars import INVISIBLE_SEPARATORS, JOINERS
from .offsets import boundary_error


def to_nfc(text: str) -> str:
    """NFC, the one normal form all stored text and offsets use."""
    return unicodedata.normalize("NFC", text)


_ALEF = "\u0627"
_FOLDS = {
    "\u0622": _ALEF,  # آ
    "\u0623": _ALEF,  # أ
    "\u0625": _ALEF,  # إ
    "\u0671": _ALEF,  # ٱ wasla
    "\u0672": _ALEF,  # alef with wavy hamza above
    "\u0673": _ALEF,  # alef with wavy hamza below
    "\u0624": "\u0648",  # ؤ -> و
    "\u0626": "\u064a",  # ئ -> ي
    "\u06c0": "\u06d5",  # ۀ -> ە (canonically ە + hamza above)
    "\u06c2": "\u06c1",  # ۂ -> ہ
    "\u06d3": "\u06d2",  # ۓ -> ے
    "\u0629": "\u0647",  # ة -> ه
    "\u0649": "\u064a",  # ى -> ي
    "\u06a9": "\u0643",  # ک -> ك
    "\u06cc": "\u064a",  # ی -> ي
}
_FOLDS.update({chr(0x0660 + d): str(d) for d in range(10)})
_FOLDS.update({chr(0x06F0 + d): str(d) for d in range(10)})

_ARABIC_MARK_BLOCKS = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF))


def _is_removed(ch: str) -> bool:
    cp = ord(ch)
    if (
        0x064B <= cp <= 0x065F
        or cp == 0x0670
        or 0x06D6 <= cp <= 0x06ED
        or cp == 0x0640
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF
        or (0xFE70 <= cp <= 0xFE7F and cp != 0xFE73)
        or ch in INVISIBLE_SEPARATORS  # bidi controls, U+200B, U+2060, U+FEFF
        or ch in JOINERS  # ZWNJ, ZWJ, soft hyphen
    ):
        return True
    if unicodedata.category(ch) == "Mn":
        return any(lo <= cp <= hi for lo, hi in _ARABIC_MARK_BLOCKS)
    return False


def _is_presentation_form(cp: int) -> bool:
    return 0xFB50 <= cp <= 0xFDFF or 0xFE80 <= cp <= 0xFEFC


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    if _is_removed(ch):
        return ""
    if ch in _FOLDS:
        return _FOLDS[ch]
    if _is_presentation_form(ord(ch)):
        expanded = unicodedata.normalize("NFKC", ch)
        if expanded != ch:
            return "".join(_fold_char(c) for c in expanded)
    return ch.casefold()


class CharTable(dict):
    """A `str.translate` table filled on first sight of each code point: `rule(ch)` computed once per
    distinct character (at most `limit` of them kept), then looked up in C. About twice as fast as a
    Python call per character, and exactly the same result."""

    def __init__(self, rule, limit: int = 65536):
        super().__init__()
        self.rule, self.limit = rule, limit

    def __missing__(self, code_point: int) -> str:
        value = self.rule(chr(code_point))
        if len(self) < self.limit:
            self[code_point] = value
        return value


_FOLD_TABLE = CharTable(_fold_char)


def fold_for_search(text: str) -> str:
    """Fold spelling variants away so that search matches what a reader would."""
    return text.translate(_FOLD_TABLE)


class OffsetMap(list):
    """Folded index -> original code point index, plus a final len(original).

    ``span_ends[j]`` is where a match ending at folded index j ends in the
    original, extended over removed combining marks (harakat, shadda, ...)
    so a mapped span never separates a letter from its marks.  A plain list
    also works with ``map_span_back`` but then that extension is lost.
    """

    span_ends: list[int]


def _is_removed_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M" and _fold_char(ch) == ""


def fold_with_offsets(text: str) -> tuple[str, OffsetMap]:
    """Folded text and its offset map; folded[i] came from text[offset_map[i]]."""
    pieces = []
    offset_map = OffsetMap()
    for index, ch in enumerate(text):
        folded = _fold_char(ch)
        if folded:
            pieces.append(folded)
            offset_map.extend([index] * len(folded))
    offset_map.append(len(text))

    span_ends = [offset_map[0]]
    for j in range(1, len(offset_map)):
        end = offset_map[j - 1] + 1
        while end < len(text) and _is_removed_mark(text[end]):
            end += 1
        span_ends.append(end)
    offset_map.span_ends = span_ends
    return "".join(pieces), offset_map


def map_span_back(offset_map: list[int], start: int, end: int) -> tuple[int, int]:
    """Original span of folded span [start, end): [map[start], map[end-1]+1), plus trailing marks.

    Only the end is adjusted; a start that lands on a kept combining mark
    (possible with non-Arabic marks) is left to ``find_all`` to reject.
    """
    last = len(offset_map) - 1
    if not 0 <= start <= end <= last:
        raise ValueError(f"folded span [{start}, {end}) is outside 0..{last}")
    if start == end:
        return offset_map[start], offset_map[start]
    span_ends = getattr(offset_map, "span_ends", None)
    original_end = span_ends[end] if span_ends is not None else offset_map[end - 1] + 1
    return offset_map[start], original_end


def find_all(haystack: str, needle: str) -> list[tuple[int, int]]:
    """Variant-insensitive search; non-overlapping (start, end) code point spans in ``haystack``.

    Substring matching (اسلحة is found inside بالأسلحة).  A match must cover
    whole original characters and whole clusters: "ل" is not found inside the
    single code point ﻻ, and 👍 is not found inside 👍🏽, so every returned
    span passes ``offsets.validate_span``.  Span ends take trailing removed
    marks (داعش finds all of دَاعِشُ).  The haystack must be NFC (stored text
    is); the needle is NFC'd and folded, and whitespace in it is matched
    literally.
    """
    folded_needle = fold_for_search(to_nfc(needle))
    if not folded_needle:
        return []
    folded, offset_map = fold_with_offsets(haystack)
    width = len(folded_needle)
    spans = []
    position = 0
    while True:
        i = folded.find(folded_needle, position)
        if i < 0:
            return spans
        j = i + width
        whole_chars = (i == 0 or offset_map[i] != offset_map[i - 1]) and (
            j == len(folded) or offset_map[j] != offset_map[j - 1]
        )
        if whole_chars:
            start, end = map_span_back(offset_map, i, j)
            start, end = _widen_over_removed(haystack, start, end)
            if boundary_error(haystack, start) is None and boundary_error(haystack, end) is None:
                spans.append((start, end))
                position = j
                continue
        position = i + 1


def _widen_over_removed(text: str, start: int, end: int) -> tuple[int, int]:
    """Move boundaries that split a character over neighbours that fold to nothing.

    Widening over removed characters keeps the span's fold unchanged, so a
    match such as 🏻 after an orphan haraka can still be returned whole.
    """
    while start > 0 and boundary_error(text, start) and not _fold_char(text[start - 1]):
        start -= 1
    while end < len(text) and boundary_error(text, end) and not _fold_char(text[end]):
        end += 1
    return start, end
