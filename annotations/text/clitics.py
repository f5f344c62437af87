"""Arabic clitics: where a word may be cut between a clitic and its stem.

One statement of the rule, used by selection snapping (``snap``), CoNLL clitic segmentation
(``exporters.conll``) and word search (``search_stem``).  The JavaScript port is in
``annotations/static/annotations/js/textmodel.js`` (``procliticEnds`` / ``encliticStart``).

Orthographic, not morphological: the rule says where a cut is *allowed*, never that a word has a
clitic.  وصل ("arrived") also allows و|صل.  That is harmless for snapping (a cut is only kept where
the reviewer put it) and for search (query and text are cut the same way); CoNLL segmentation
only cuts where a gold span boundary already is, unless asked to cut everywhere.

Proclitics, in this order, each optional, at least one present::

    conjunction  و ف
    preposition  ب ك ل
    article      ال          (after ل the article's alef is not written: لل as in للجيش)

A cut is allowed after each complete part: وبالأسلحة allows و|بالأسلحة, وب|الأسلحة and
وبال|أسلحة.  Enclitic pronouns, at the end of a word::

    ه ها هم هما هن ك كم كما كن نا ي

A cut is allowed before one: قواته allows قوات|ه, مواقعهم allows مواقع|هم.  Both need at least
two letters of stem left on the other side of the cut, counted as letters: harakat and tatweel are
not letters, and a cut never separates a letter from its marks (offsets are grapheme boundaries).
"""

from __future__ import annotations

from functools import lru_cache

from .chars import is_arabic_letter, is_mark

CONJUNCTIONS = frozenset("وف")
PREPOSITIONS = frozenset("بكل")
ENCLITICS = ("هما", "كما", "ها", "هم", "هن", "كم", "كن", "نا", "ه", "ك", "ي")
MIN_STEM_LETTERS = 2
SEARCH_STEM_LETTERS = 3


def _letters(word: str) -> list[int]:
    """Indices of the Arabic letters of ``word`` (skipping harakat, tatweel and other marks)."""
    return [i for i, ch in enumerate(word) if is_arabic_letter(ch)]


def _prefix_cuts(letters: str) -> list[int]:
    """Cut positions, in letters, after each complete proclitic part of ``letters``."""
    cuts = []
    i = 0
    if i < len(letters) and letters[i] in CONJUNCTIONS:
        i += 1
        cuts.append(i)
    if i < len(letters) and letters[i] in PREPOSITIONS:
        preposition = letters[i]
        i += 1
        cuts.append(i)
        if preposition == "ل" and letters[i : i + 1] == "ل":  # لل: ل + the article without its alef
            cuts.append(i + 1)
            return cuts
    if letters[i : i + 2] == "ال":
        cuts.append(i + 2)
    return cuts


def proclitic_ends(word: str) -> list[int]:
    """Code point offsets in ``word`` where a proclitic ends and a cut is allowed (ascending).

    >>> proclitic_ends("وبالأسلحة")
    [1, 2, 4]
    >>> proclitic_ends("للجيش")
    [1, 2]
    >>> proclitic_ends("داعش")
    []
    """
    positions = _letters(word)
    if not positions or positions[0] != 0:
        return []  # the word does not start with an Arabic letter
    letters = "".join(word[i] for i in positions)
    result = []
    for cut in _prefix_cuts(letters):
        if len(letters) - cut < MIN_STEM_LETTERS:
            break
        result.append(positions[cut])  # the stem's first letter: marks of the clitic stay with it
    return result


def enclitic_starts(word: str) -> list[int]:
    """Code point offsets in ``word`` where an enclitic pronoun starts (ascending).

    >>> enclitic_starts("مواقعهم")
    [5]
    >>> enclitic_starts("قواتهما")
    [4]
    >>> enclitic_starts("جنودك")
    [4]
    """
    positions = _letters(word)
    last = len(word.rstrip("".join(ch for ch in word if not is_word_letter(ch)))) - 1
    if not positions or positions[-1] != last:
        return []  # the word does not end with an Arabic letter (digits, Latin, ...)
    letters = "".join(word[i] for i in positions)
    result = set()
    for pronoun in ENCLITICS:
        if letters.endswith(pronoun) and len(letters) - len(pronoun) >= MIN_STEM_LETTERS:
            result.add(positions[len(letters) - len(pronoun)])
    return sorted(result)


def is_word_letter(ch: str) -> bool:
    """Not a combining mark and not tatweel: the characters a stem is counted in."""
    return ch != "\u0640" and not is_mark(ch)


def clitic_cuts(word: str) -> list[int]:
    """Every allowed cut inside ``word``: after proclitics and before enclitics (ascending, unique)."""
    return sorted(set(proclitic_ends(word)) | set(enclitic_starts(word)))


@lru_cache(maxsize=65536)  # a news vocabulary repeats; claims and queries are stemmed on every request
def search_stem(folded_word: str) -> str:
    """A folded word without its proclitics (conjunction, preposition, article), for word search.

    The light stemmer of claim and document search: query and text words are reduced the same
    way, so اشتعلت المواجهات finds اشتعلت مواجهات and وقوات finds قوات.  Enclitic pronouns stay
    (قواته is not قوات).  ``folded_word`` is already ``normalize.fold_for_search``-ed.

    >>> search_stem("والمواجهات")
    'مواجهات'
    >>> search_stem("للجيش")
    'جيش'
    """
    # three letters must remain: a two-letter stem (بين -> ين) would make a short query word find too much
    cuts = [cut for cut in proclitic_ends(folded_word) if len(_letters(folded_word[cut:])) >= SEARCH_STEM_LETTERS]
    return folded_word[cuts[-1] :] if cuts else folded_word
