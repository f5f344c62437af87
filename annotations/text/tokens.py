"""Whitespace-and-punctuation tokenisation with code point offsets.

Tokens are what annotators select and what snapping aligns to, so the rules
are purely orthographic: no morphology.  In particular the proclitic و (and
ب, ل, ال ...) attached to a word is *not* split off: وتستفيد is one token.
Splitting clitics for good needs a morphological analyser and guesses wrong on
words that merely start with و (وصل, وطن); instead ``clitics`` says where a
cut is *allowed*, which snapping keeps when the reviewer chose it and the
CoNLL export can use (``--segment-clitics``).

Rules (the authoritative statement, shared with the JavaScript port, is in
the ``annotations.text.snap`` docstring):

* skipped, never in a token: whitespace (Z*, Cc), bidi controls, U+200B,
  U+2060, U+FEFF, and joiners (ZWNJ, ZWJ, soft hyphen) that are not inside
  a word;
* tokens are made of whole grapheme clusters (``chars.graphemes``), each
  classified by its first character;
* a word token starts at a letter, mark or number (L*, M*, N*) and extends
  over more of those, over runs of joiners followed by a word character,
  and over . , ٫ ٬ between two decimal digits (3.5, 1,000);
* any other cluster (punctuation, symbols, emoji) is a token of its own,
  so “ and ، are tokens of their own, while 👍🏽, 🇮🇶 and 👨‍👩‍👧 are each one token.

Sentences end after . ! ? ؟ ۔ … (plus directly following closing quotes,
brackets and further terminators) when whitespace or the end of the text
follows, and at line breaks.  So a dot inside 3.5, sy-24.com or د.محمد never
ends a sentence, and neither does the period of a one-letter Arabic
abbreviation (د. محمد, أ. ف. ب); Latin abbreviations such as "U.S. army" are
not recognised.
"""

import re
import sys
from array import array
from functools import cache
from itertools import accumulate
from typing import NamedTuple

from .chars import (
    INVISIBLE_SEPARATORS,
    JOINERS,
    NUMBER_SEPARATORS,
    category,
    grapheme_strings,
    graphemes,
    is_arabic_letter,
    is_digit,
    is_whitespace,
    is_word_char,
)


class Token(NamedTuple):
    """A token and its code point span: text[start:end] == token.text."""

    text: str
    start: int
    end: int


@cache  # per character, called once per cluster: a dictionary lookup after the first time
def _is_skipped(ch: str) -> bool:
    return is_whitespace(ch) or ch in INVISIBLE_SEPARATORS or ch in JOINERS


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text`` in order; they never overlap, never contain whitespace and never split a character.

    Works on grapheme clusters (``chars.graphemes``); a cluster is classified by its first character.
    """
    # Each cluster becomes one symbol of its class (_cluster_symbol) and the rules above become one
    # regular expression over the symbols (_TOKEN): the loop over clusters runs in C, not in Python.
    clusters = grapheme_strings(text)
    symbols = _SYMBOLS
    if len(symbols) > _SYMBOLS_MAX:  # clusters are a few hundred distinct strings per language
        symbols.clear()
    for cluster in set(clusters).difference(symbols):
        symbols[cluster] = _cluster_symbol(cluster)
    classes = "".join(map(symbols.__getitem__, clusters))
    matches = _TOKEN.finditer(classes)
    if len(clusters) == len(text):  # every cluster one code point: cluster indices are offsets
        return [Token(text[a:b], a, b) for a, b in map(re.Match.span, matches)]
    ends = list(accumulate(map(len, clusters)))
    starts = [0, *ends]
    tokens = []
    for match in matches:
        first, last = match.span()
        start, end = starts[first], ends[last - 1]
        tokens.append(Token(text[start:end], start, end))
    return tokens


# A cluster's class, from its first character (and, for the number rule, its last one and its length):
# w a word character (a letter, mark or number), then d when it starts with a digit, e when it ends with
# one, b both; j a joiner (skipped outside a word); s skipped (whitespace, invisible separators); n a
# number separator alone (. , ٫ ٬); o anything else (punctuation, symbols, emoji).
def _cluster_symbol(cluster: str) -> str:
    first = cluster[0]
    if is_word_char(first):
        return "wdeb"[is_digit(first) + 2 * is_digit(cluster[-1])]
    if first in JOINERS:
        return "j"
    if _is_skipped(first):
        return "s"
    return "n" if first in NUMBER_SEPARATORS and len(cluster) == 1 else "o"


_SYMBOLS: dict[str, str] = {}
_SYMBOLS_MAX = 100_000
# A word: a word cluster, extended over word clusters, over joiners followed by a word cluster, and over a
# number separator between a cluster ending with a digit and one starting with one; any other cluster that
# is not skipped is a token of its own.
_TOKEN = re.compile(r"[wdeb](?:[wdeb]|j+[wdeb]|(?<=[eb])n[db])*|[on]")


def _tokenize_by_clusters(text: str) -> list[Token]:
    """The rules as a loop over the clusters: what ``tokenize`` computes (the tests compare them)."""
    clusters = graphemes(text)
    tokens = []
    n = len(clusters)
    k = 0
    while k < n:
        start, end = clusters[k]
        first = text[start]
        if _is_skipped(first):
            k += 1
            continue
        k += 1
        if is_word_char(first):
            while k < n:
                c_start, c_end = clusters[k]
                ch = text[c_start]
                if is_word_char(ch):
                    end = c_end
                    k += 1
                    continue
                if ch in JOINERS:  # joiners inside a word (soft hyphen; ZWNJ/ZWJ usually attach as Extend)
                    m = k
                    while m < n and text[clusters[m][0]] in JOINERS:
                        m += 1
                    if m < n and is_word_char(text[clusters[m][0]]):
                        end = clusters[m][1]
                        k = m + 1
                        continue
                    break
                if (
                    ch in NUMBER_SEPARATORS
                    and c_end - c_start == 1
                    and k + 1 < n
                    and is_digit(text[end - 1])
                    and is_digit(text[clusters[k + 1][0]])
                ):
                    end = clusters[k + 1][1]
                    k += 2
                    continue
                break
        tokens.append(Token(text[start:end], start, end))
    return tokens


def is_word_token(token: Token) -> bool:
    """True for letter/number tokens, False for punctuation, symbols and emoji."""
    return is_word_char(token.text[0])


SENTENCE_TERMINATORS = frozenset(".!?\u061f\u06d4\u2026")
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")


def _closes_sentence(token: Token) -> bool:
    """Closing quotes/brackets and extra terminators stay with the sentence they end."""
    first = token.text[0]
    return category(first) in ("Pe", "Pf") or first in "\"'" or first in SENTENCE_TERMINATORS


def _is_one_letter_abbreviation(tokens: list[Token], index: int) -> bool:
    """Is tokens[index] one Arabic letter (with its marks, maybe after و), as د in د. محمد or وأ. ف. ب?"""
    token = tokens[index]
    letters = "".join(ch for ch in token.text if is_arabic_letter(ch))
    if not all(is_word_char(c) for c in token.text) or not (
        len(letters) == 1 or (len(letters) == 2 and letters[0] == "و")
    ):
        return False
    return index == 0 or tokens[index - 1].end < token.start  # not glued to a previous token (أثريا-د.)


def tokenize_sentences(text: str) -> list[list[Token]]:
    """Tokens grouped by sentence; sentences without tokens are dropped.

    A terminator ends the sentence only when whitespace or the end of the text follows it (after
    any closing quotes, brackets and further terminators glued to it), so sy-24.com, د.محمد and
    https://x.org/?a=1 stay whole; a period after a lone Arabic letter (د. أ.) is an abbreviation.
    A line break always ends a sentence.
    """
    tokens = tokenize(text)
    groups: list[list[Token]] = []
    current: list[Token] = []
    ended = False  # the last token closed a sentence, if whitespace follows
    previous_end = 0
    gaps: dict[str, tuple[bool, bool]] = {}  # the few distinct gaps (" ", "\n", ...) classified once
    for index, token in enumerate(tokens):
        gap = text[previous_end : token.start]
        if current:
            kind = gaps.get(gap)
            if kind is None:
                kind = gaps[gap] = (not _LINE_BREAKS.isdisjoint(gap), any(is_whitespace(ch) for ch in gap))
            line_break, spaced = kind
            if line_break or (ended and spaced):
                groups.append(current)
                current = []
                ended = False
            elif ended and not _closes_sentence(token):
                ended = False  # glued to what follows: a domain, an initial, a URL
        first = token.text[0]
        if first in SENTENCE_TERMINATORS:
            abbreviation = (
                first == "."
                and current
                and current[-1].end == token.start
                and _is_one_letter_abbreviation(tokens, index - 1)
            )
            ended = ended or not abbreviation
        current.append(token)
        previous_end = token.end
    if current:
        groups.append(current)
    return groups


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans, from the first token's start to the last token's end."""
    return [(group[0].start, group[-1].end) for group in tokenize_sentences(text)]


# --- Tokens computed once -----------------------------------------------------------------------------
# The tokenizer runs when a document is imported (its statistics job) and its result is stored packed:
# exports and agreement runs unpack it instead of tokenizing again. Bump TOKENIZER_VERSION whenever the
# rules above change: stored tables of another version are ignored (the text is tokenized again).
TOKENIZER_VERSION = 1


def pack_sentences(groups: list[list[Token]]) -> bytes:
    """`tokenize_sentences` output as little-endian uint32: version, token count, sentence count, the
    starts, the ends, then each sentence's first token index."""
    starts = [token.start for group in groups for token in group]
    ends = [token.end for group in groups for token in group]
    firsts, index = [], 0
    for group in groups:
        firsts.append(index)
        index += len(group)
    table = array("I", [TOKENIZER_VERSION, len(starts), len(groups), *starts, *ends, *firsts])
    if sys.byteorder == "big":
        table.byteswap()
    return table.tobytes()


def pack_tokens(text: str) -> bytes:
    return pack_sentences(tokenize_sentences(text))


def _unpack(packed) -> tuple[array, int, int] | None:
    if not packed:
        return None
    table = array("I")
    try:
        table.frombytes(bytes(packed))
    except ValueError:
        return None
    if sys.byteorder == "big":
        table.byteswap()
    if len(table) < 3 or table[0] != TOKENIZER_VERSION:
        return None
    n, m = table[1], table[2]
    if len(table) != 3 + 2 * n + m:
        return None
    return table, n, m


def stored_token_bounds(text: str, packed) -> list[tuple[int, int]]:
    """(start, end) of every token of `text`: from the stored table when it is valid, else tokenized now."""
    unpacked = _unpack(packed)
    if unpacked is None:
        return [(token.start, token.end) for token in tokenize(text)]
    table, n, _ = unpacked
    return list(zip(table[3 : 3 + n], table[3 + n : 3 + 2 * n], strict=True))


def stored_token_table(text: str, packed) -> tuple[list[int], list[int], list[int]]:
    """The tokens of `text` as three lists: starts, ends, and each sentence's first token index followed by
    the token count (sentence i is tokens firsts[i]:firsts[i + 1]). From the stored table when it is valid,
    else tokenized now. The writers' fast path: no Token objects, no sliced strings."""
    unpacked = _unpack(packed)
    if unpacked is None:
        groups = tokenize_sentences(text)
        firsts, index = [], 0
        for group in groups:
            firsts.append(index)
            index += len(group)
        firsts.append(index)
        return [t.start for g in groups for t in g], [t.end for g in groups for t in g], firsts
    table, n, _ = unpacked
    firsts = table[3 + 2 * n :].tolist()
    firsts.append(n)
    return table[3 : 3 + n].tolist(), table[3 + n : 3 + 2 * n].tolist(), firsts


def stored_sentences(text: str, packed) -> list[list[Token]]:
    """`tokenize_sentences(text)`, from the stored table when it is valid, else computed now."""
    unpacked = _unpack(packed)
    if unpacked is None:
        return tokenize_sentences(text)
    table, n, m = unpacked
    tokens = [Token(text[s:e], s, e) for s, e in zip(table[3 : 3 + n], table[3 + n : 3 + 2 * n], strict=True)]
    firsts = [*table[3 + 2 * n :], n]
    return [tokens[firsts[i] : firsts[i + 1]] for i in range(m)]
