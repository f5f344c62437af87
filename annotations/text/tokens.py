"""Whitespace-and-punctuation tokenisation with code point offsets.

Tokens are what annotators select and what snapping aligns to, so the rules
are purely orthographic: no morphology.  In particular the proclitic و (and
ب, ل, ال ...) attached to a word is *not* split off: وتستفيد is one token.
Splitting clitics needs a morphological analyser, guesses wrong on words
that merely start with و (وصل, وطن), and would create boundaries inside
what the reader sees as one word.

Rules (the authoritative statement, shared with the JavaScript port, is in
the ``annotations.text.snap`` docstring):

* skipped, never in a token: whitespace (Z*, Cc), bidi controls, U+200B,
  U+2060, U+FEFF, and joiners (ZWNJ, ZWJ, soft hyphen) that are not inside
  a word;
* a word token starts at a letter, mark or number (L*, M*, N*) and extends
  over more of those, over runs of joiners followed by a word character,
  over . , ٫ ٬ between two decimal digits (3.5, 1,000), and over cluster
  continuations (``chars.cluster_break_kind``);
* any other character (punctuation, symbols, emoji) is a one-character token
  extended only over cluster continuations, so “ and ، are tokens of their
  own, while 👍🏽, 🇮🇶 and 👨‍👩‍👧 are each one token.

Sentences end after . ! ? ؟ ۔ … (plus directly following closing quotes,
brackets and further terminators) and at line breaks.  A dot inside 3.5 is
part of a number token so it never ends a sentence; abbreviations such as
"U.S." are not recognised.
"""

from typing import NamedTuple

from .chars import (
    INVISIBLE_SEPARATORS,
    JOINERS,
    NUMBER_SEPARATORS,
    category,
    is_cluster_continuation,
    is_digit,
    is_whitespace,
    is_word_char,
)


class Token(NamedTuple):
    """A token and its code point span: text[start:end] == token.text."""

    text: str
    start: int
    end: int


def _is_skipped(ch: str) -> bool:
    return is_whitespace(ch) or ch in INVISIBLE_SEPARATORS or ch in JOINERS


def _word_end(text: str, i: int) -> int:
    """End of the word token that starts at i."""
    n = len(text)
    j = i + 1
    while j < n:
        ch = text[j]
        # Word characters first: most of a word, and the cheap test (the cluster rule gives the same answer).
        if is_word_char(ch) or is_cluster_continuation(text, j):
            j += 1
        elif ch in JOINERS:
            k = j
            while k < n and text[k] in JOINERS:
                k += 1
            if k < n and is_word_char(text[k]):
                j = k
            else:
                break
        elif ch in NUMBER_SEPARATORS and j + 1 < n and is_digit(text[j - 1]) and is_digit(text[j + 1]):
            j += 2
        else:
            break
    return j


def _cluster_end(text: str, i: int) -> int:
    """End of the single character (with its continuations) that starts at i."""
    j = i + 1
    while j < len(text) and is_cluster_continuation(text, j):
        j += 1
    return j


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text`` in order; they never overlap and never contain whitespace."""
    tokens = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if _is_skipped(ch):
            i += 1
            continue
        j = _word_end(text, i) if is_word_char(ch) else _cluster_end(text, i)
        tokens.append(Token(text[i:j], i, j))
        i = j
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


def tokenize_sentences(text: str) -> list[list[Token]]:
    """Tokens grouped by sentence; sentences without tokens are dropped."""
    sentences: list[list[Token]] = []
    current: list[Token] = []
    ended = False
    previous_end = 0
    for token in tokenize(text):
        gap = text[previous_end : token.start]
        if current:
            line_break = any(ch in _LINE_BREAKS for ch in gap)
            adjacent = not any(is_whitespace(ch) for ch in gap)
            if line_break or (ended and not (adjacent and _closes_sentence(token))):
                sentences.append(current)
                current = []
                ended = False
        current.append(token)
        if token.text[0] in SENTENCE_TERMINATORS:
            ended = True
        previous_end = token.end
    if current:
        sentences.append(current)
    return sentences


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans, from the first token's start to the last token's end."""
    return [(group[0].start, group[-1].end) for group in tokenize_sentences(text)]
