"""Words for search and near-duplicate detection: folded, without proclitics, with offsets for highlighting.

Claim and document search match *words*, in any order: a text matches a query when every query word
is the start of one of the text's words, both taken through ``normalize.fold_for_search`` (alef forms,
taa marbuta, tashkeel, digits ...) and ``clitics.search_stem`` (the conjunction, preposition and
article dropped).  So اشتعلت المواجهات and مواجهات داعش both find "اشتعلت مواجهات بين داعش وقوات
النظام".  The database keeps ``words_column(text)`` (the words between single spaces, with a space at
each end) so a query word is the SQL pattern ``'% ' || word || '%'``.

Near duplicates are found with MinHash over word shingles (each word and each pair of neighbouring
words), banded into ``BANDS`` keys of ``ROWS`` hashes each (locality-sensitive hashing): two claims
whose shingle sets have Jaccard similarity s share a key with probability 1 - (1 - s^ROWS)^BANDS
(0.997 at s = 0.67, the example pair of issue 12; 0.016 at s = 0.1).  The keys are stored per claim, so
finding candidates is an index lookup, not a scan; candidates are then scored word by word.
"""

from __future__ import annotations

import hashlib

import regex

from .clitics import search_stem
from .normalize import fold_for_search, fold_with_offsets, to_nfc
from .tokens import is_word_token, tokenize

# a clitic written apart (و قوات النظام, as in the seed articles) is no word of its own
DETACHED_CLITICS = frozenset("وفبلك")
BANDS = 16
ROWS = 3


_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")


# The words of each whitespace-free piece of folded text, remembered: a news vocabulary repeats, so most
# pieces of an article (a word, or a word with its punctuation) were seen before. At most
# PIECE_CACHE_SIZE of them (about 10 MB); later ones are worked out each time.
PIECE_CACHE_SIZE = 50_000
_PIECE_WORDS: dict[str, tuple[str, ...]] = {}


def _piece_words(piece: str) -> tuple[str, ...]:
    """The stems of the ``_WORD`` runs of one whitespace-free piece of folded text. A piece made only of
    letters (str.isalpha; every such character is a ``_WORD`` character, which tests/text/test_words.py
    checks for all of them) is one run as it is."""
    runs = [piece] if piece.isalpha() else _WORD.findall(piece)
    words = tuple(stem for stem in map(search_stem, runs) if stem and stem not in DETACHED_CLITICS)
    if len(_PIECE_WORDS) < PIECE_CACHE_SIZE:
        _PIECE_WORDS[piece] = words
    return words


def _words_of_folded(folded: str) -> list[str]:
    """Stems of the letter/number runs (``_WORD``) of folded text; clitics written apart are dropped.
    No run crosses whitespace (no ``_WORD`` character is whitespace), so the text is taken piece by
    piece: the same words as the pattern over the whole text, in a fifth of the time."""
    words: list[str] = []
    known = _PIECE_WORDS.get
    for piece in folded.split():
        found = known(piece)
        words += found if found is not None else _piece_words(piece)
    return words


def search_words(text: str) -> list[str]:
    """The text's words as search compares them (folded, proclitics dropped), in order."""
    return _words_of_folded(fold_for_search(to_nfc(text)))


def _word_stems(text: str) -> list[tuple[list[str], int, int]]:
    """Per word token of ``text``: its search words and the span of its stem (without proclitics) in ``text``."""
    result = []
    for token in tokenize(text):
        if not is_word_token(token):
            continue
        folded, offsets = fold_with_offsets(token.text)
        words = _words_of_folded(folded)
        if words:
            cut = len(folded) - len(search_stem(folded)) if len(words) == 1 else 0
            result.append((words, token.start + offsets[cut], token.end))
    return result


def words_column(text: str) -> str:
    """What the database stores for word search: ' w1 w2 … ' (empty for a text without words)."""
    return words_column_of_folded(fold_for_search(to_nfc(text)))


def words_column_of_folded(folded: str) -> str:
    """``words_column`` of a text already NFC and folded (``fold_for_search``), which a model stores
    beside it anyway: the text is not folded twice."""
    words = _words_of_folded(folded)
    return f" {' '.join(words)} " if words else ""


def query_words(query: str) -> list[str]:
    """The distinct words of a search query, in order."""
    return list(dict.fromkeys(search_words(query)))


def word_matches(text: str, query: str) -> list[tuple[int, int]]:
    """Code point spans of the words of ``text`` (NFC) that a query word finds, for highlighting."""
    wanted = query_words(query)
    if not wanted:
        return []
    return [
        (start, end)
        for words, start, end in _word_stems(text)
        if any(word.startswith(w) for word in words for w in wanted)
    ]


def matches(text: str, query: str) -> bool:
    """Does every query word start one of the text's words? (The rule the database filter applies.)"""
    words = search_words(text)
    wanted = query_words(query)
    return bool(wanted) and all(any(word.startswith(w) for word in words) for w in wanted)


# --- near duplicates --------------------------------------------------------------------------------------
def _hash64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big")


# One 30-bit hash per shingle, XORed with a fixed random mask per MinHash function (fixed, so that keys
# stored by one process are found by another); min(map(mask.__xor__, …)) on one-digit ints runs in C,
# about 1 ms for a 2,000-character claim where (a·x + b) mod p on 64-bit ints took 5 ms.
_BITS30 = (1 << 30) - 1
_MASKS = [_hash64(f"mask{i}") & _BITS30 for i in range(BANDS * ROWS)]


def shingles(words: list[str]) -> set[str]:
    """Each word and each pair of neighbouring words."""
    return set(words) | {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}


def similarity_keys(words: list[str]) -> list[int]:
    """BANDS locality-sensitive keys (signed 64-bit ints) of a word list; [] for no words."""
    hashed = [_hash64(s) & _BITS30 for s in shingles(words)]
    if not hashed:
        return []
    minima = [min(map(mask.__xor__, hashed)) for mask in _MASKS]
    keys = []
    for band in range(BANDS):
        rows = ":".join(str(m) for m in minima[band * ROWS : (band + 1) * ROWS])
        key = _hash64(f"{band}:{rows}")
        keys.append(key - (1 << 64) if key >= 1 << 63 else key)  # fits a signed BIGINT
    return keys
