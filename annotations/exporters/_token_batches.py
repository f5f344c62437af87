"""The CoNLL writers' batches: consecutive documents' stored tokens and their BIO tags as numpy arrays, for a
writer to lay out as byte segments (`_segments`) instead of a document at a time.

A batch takes the usual gold, where the rules are simple: the tokens stored at import are usable (this
tokenizer's table, in order, inside the text, sentences from token 0, none empty) and the spans of each
document are apart and each has tokens of its own that no other span has (`conll.disjoint_token_ranges`).
Then every span is kept and tags its tokens B- then I-, starting again with B- in each sentence, in both
CoNLL formats. A document outside these rules is written on its own by the writer (`block`) and its text
placed between the others, so a batch's text is always the text written one document at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

import numpy as np

from annotations.text.tokens import TOKENIZER_VERSION

from . import _segments
from .records import GoldDocument

_START, _END, _LABEL = itemgetter(0), itemgetter(1), itemgetter(2)  # of a GoldSpan


@dataclass
class Tokens:
    """A batch's tokens. Documents are those laid out (`fast`: their indexes in the batch), tokens and
    sentences numbered across the batch; offsets are code points, of each text (`starts`, `ends`) and of
    the batch's texts joined (`starts_at`, `ends_at`, `joined`)."""

    documents: list[GoldDocument]
    fast: list[int]
    joined: str
    sentences: np.ndarray  # per document, how many
    starts: np.ndarray
    ends: np.ndarray
    starts_at: np.ndarray
    ends_at: np.ndarray
    token_base: np.ndarray  # per document, its first token
    doc_of_sentence: np.ndarray
    sentence_within: np.ndarray  # per sentence, its index in its document
    sentence_firsts: np.ndarray  # per sentence, its first token
    sentence_lasts: np.ndarray  # per sentence, its last token
    tags: np.ndarray  # per token: 0 outside, 1 + column B-, 1 + width + column I-
    entities: int  # the B- tags (chunks)

    @property
    def total(self) -> int:
        return len(self.starts)


class TokenBatch:
    """Consecutive documents, laid out by `lay_out(tokens)` except those `block` writes on their own."""

    def __init__(
        self,
        documents: list[GoldDocument],
        columns: dict[str, int],
        width: int,
        block: Callable[[GoldDocument], bytes],
    ):
        self.documents = documents
        self.columns = columns
        self.width = width
        self.block = block
        self.alone: dict[int, bytes] = {}  # index -> the text of a document written on its own

    def utf8(self, lay_out: Callable[[Tokens], bytes]) -> bytes:
        while True:
            tokens = self._tokens()
            if not isinstance(tokens, set):
                break
            for index in tokens:  # these need the general rules: written on their own, then the rest again
                self.alone[index] = self.block(self.documents[index])
        if tokens is None:
            return b"".join(self.alone[index] for index in range(len(self.documents)))
        trailing = [self.alone[index] for index in range(tokens.fast[-1] + 1, len(self.documents))]
        return lay_out(tokens) + b"".join(trailing)

    def before(self, tokens: Tokens) -> list[bytes]:
        """Per document laid out, the text of the documents written on their own just before it."""
        alone = self.alone
        out = []
        previous = -1
        for index in tokens.fast:
            out.append(b"".join(alone[k] for k in range(previous + 1, index)) if index != previous + 1 else b"")
            previous = index
        return out

    def _tokens(self) -> Tokens | set[int] | None:
        """The batch's tokens, or the indexes of documents to write on their own first (None: all are)."""
        fast = [index for index in range(len(self.documents)) if index not in self.alone]
        if not fast:
            return None
        docs = [self.documents[index] for index in fast]
        packed = [document.tokens for document in docs]
        unusable = {fast[k] for k, p in enumerate(packed) if not isinstance(p, bytes) or len(p) < 12 or len(p) % 4}
        if unusable:
            return unusable
        count = len(docs)
        words = np.frombuffer(b"".join(packed), "<u4").astype(np.int64)  # `pack_sentences`' tables
        sizes = np.fromiter(map(len, packed), np.int64, count) // 4
        heads = exclusive_sums(sizes)
        n, m = words[heads + 1], words[heads + 2]  # tokens, sentences
        texts = [document.text for document in docs]
        lengths = np.fromiter(map(len, texts), np.int64, count)
        valid = (words[heads] == TOKENIZER_VERSION) & (sizes == 3 + 2 * n + m) & (n > 0) & (m > 0)
        if not valid.all():
            return {fast[k] for k in np.flatnonzero(~valid)}
        total = int(n.sum())
        doc_of_token = np.repeat(np.arange(count), n)
        token_base = exclusive_sums(n)
        within = np.arange(total) - token_base[doc_of_token]
        starts = words[heads[doc_of_token] + 3 + within]
        ends = words[heads[doc_of_token] + 3 + n[doc_of_token] + within]
        doc_of_sentence = np.repeat(np.arange(count), m)
        sentence_within = np.arange(len(doc_of_sentence)) - exclusive_sums(m)[doc_of_sentence]
        firsts = words[heads[doc_of_sentence] + 3 + 2 * n[doc_of_sentence] + sentence_within]
        # the tokens in order and apart inside the text; sentences starting at 0, non-empty, in order
        ends_document = np.append(doc_of_sentence[1:] != doc_of_sentence[:-1], True)
        following = np.append(firsts[1:], 0)  # the next sentence's first, or the document's token count
        following[ends_document] = n[doc_of_sentence[ends_document]]
        same = doc_of_token[1:] == doc_of_token[:-1]
        wrong = np.zeros(count, bool)
        wrong[doc_of_token[(starts >= ends) | (ends > lengths[doc_of_token])]] = True
        wrong[doc_of_token[1:][same & (starts[1:] < ends[:-1])]] = True
        wrong[doc_of_sentence[following <= firsts]] = True
        wrong[doc_of_sentence[(sentence_within == 0) & (firsts != 0)]] = True
        if wrong.any():
            return {fast[k] for k in np.flatnonzero(wrong)}
        base = exclusive_sums(lengths)  # each text's first code point in the batch's joined text
        starts_at = starts + base[doc_of_token]
        ends_at = ends + base[doc_of_token]
        sentence_firsts = firsts + token_base[doc_of_sentence]
        tags = self._tags(docs, fast, base, starts_at, ends_at, sentence_firsts)
        if isinstance(tags, set):
            return tags
        tags, entities = tags
        return Tokens(
            documents=docs,
            fast=fast,
            joined="".join(texts),
            sentences=m,
            starts=starts,
            ends=ends,
            starts_at=starts_at,
            ends_at=ends_at,
            token_base=token_base,
            doc_of_sentence=doc_of_sentence,
            sentence_within=sentence_within,
            sentence_firsts=sentence_firsts,
            sentence_lasts=np.append(sentence_firsts[1:], total) - 1,
            tags=tags,
            entities=entities,
        )

    def _tags(self, docs, fast, base, starts_at, ends_at, sentence_firsts) -> tuple[np.ndarray, int] | set[int]:
        """Each token's tag and the number of B- tags, or the documents whose spans need the general rules."""
        spans_of = [document.spans for document in docs]
        spans = list(chain.from_iterable(spans_of))
        width = self.width
        tags = np.zeros(len(starts_at), np.int64)
        if not spans:
            return tags, 0
        counts = np.fromiter(map(len, spans_of), np.int64, len(docs))
        doc_of_span = np.repeat(np.arange(len(docs)), counts)
        try:
            columns = np.fromiter(map(self.columns.__getitem__, map(_LABEL, spans)), np.int64, len(spans))
        except KeyError:  # a label outside the label set: written on its own, which says what to do
            return set(fast)
        span_starts = np.fromiter(map(_START, spans), np.int64, len(spans)) + base[doc_of_span]
        span_ends = np.fromiter(map(_END, spans), np.int64, len(spans)) + base[doc_of_span]
        first = np.searchsorted(ends_at, span_starts, "right")  # the first token ending after the start
        last = np.searchsorted(starts_at, span_ends, "left")  # the tokens starting before the end
        same = doc_of_span[1:] == doc_of_span[:-1]
        general = np.zeros(len(docs), bool)
        general[doc_of_span[first >= last]] = True
        apart = (span_ends[:-1] <= span_starts[1:]) & (last[:-1] <= first[1:])
        general[doc_of_span[:-1][same & ~apart]] = True
        if general.any():
            return {fast[k] for k in np.flatnonzero(general)}
        tags[first] = 1 + columns
        entities = len(spans)
        inner = last - first - 1
        if inner.any():
            positions = np.repeat(first + 1 - exclusive_sums(inner), inner) + np.arange(int(inner.sum()))
            tags[positions] = np.repeat(1 + width + columns, inner)
            begins = tags[sentence_firsts]  # a span crossing a sentence break starts again with B-
            again = begins > width
            tags[sentence_firsts] = np.where(again, begins - width, begins)
            entities += int(again.sum())
        return tags, entities


def in_batches(
    documents: Iterable[GoldDocument], characters: int, alone: bool = False
) -> Iterator[list[GoldDocument] | GoldDocument]:
    """The documents in order: runs of them with about `characters` of text together (a list), and each
    document longer than that on its own (a GoldDocument), which bounds a batch's memory; with `alone`,
    every document on its own."""
    batch: list[GoldDocument] = []
    size = 0
    for document in documents:
        if alone or len(document.text) > characters:
            if batch:
                yield batch
                batch, size = [], 0
            yield document
            continue
        batch.append(document)
        size += len(document.text)
        if size >= characters:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def exclusive_sums(values: np.ndarray) -> np.ndarray:
    """sums[i] = values[0] + ... + values[i - 1]."""
    sums = np.zeros(len(values), np.int64)
    np.cumsum(values[:-1], out=sums[1:])
    return sums


def tag_tails(outside: str, begins: Iterable[str], inners: Iterable[str]) -> _segments.Table:
    """A token line's tail (what follows its FORM, to the end of the line) by its tag in `Tokens.tags`: 0
    outside, 1 + column B-, 1 + width + column I-; then the same again, each with the blank line that
    ends a sentence (`end_sentences`)."""
    tails = [outside, *begins, *inners]
    return _segments.Table([tail.encode() for tail in tails] + [(tail + "\n").encode() for tail in tails])


def end_sentences(tokens: Tokens, tails: _segments.Table) -> np.ndarray:
    """The batch's tags, each sentence's last token given its tail with the blank line (`tag_tails`)."""
    tokens.tags[tokens.sentence_lasts] += len(tails) // 2
    return tokens.tags
