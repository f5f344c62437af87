"""Per-document pieces of the agreement report: what one document's submitted work contributes.

The project report (`report.agreement_report`) only ever adds up, over documents, statistics that are
sums over units: so each document's part is computed once, stored (keyed by a fingerprint of the
document's work, see `selectors.agreement`) and added again on the next run, and a submission
recomputes the piece of one document, not the project.

A piece (`DocumentPiece`) holds, for one document, with the token values coded as integers (0 is
"outside", label i of the project, 1-based, is i; see `LabelTable`):

* `label_spans`: the spans of each label code (every reviewer, paired or not);
* `values`: how many token values of each code its k reviewers x T tokens hold;
* `pairs`: one row per reviewer pair (in `itertools.combinations` order of the sorted reviewers):
  the pair's confusion matrix of token codes (C x C, row = the first reviewer; its diagonal gives the
  pairs of equal values, its margins the coincidences, so every nominal alpha of the report adds up
  from it: the coincidence-matrix contributions of Krippendorff 2011), then per label code the exact
  span matches, the first and the second reviewer's spans, and the overlap span matches;
* `codes`: the k x T token codes themselves, only for the bootstrap (it resamples tokens, so it needs
  each unit, not sums; see `report._bootstrap`).

`batch_pieces` computes the pieces of many documents at once with numpy (no Python loop over spans
or tokens, except for the rare overlap clusters described at `_overlap_matches`); `document_pieces`
turns `DocumentWork` (lists of spans) into pieces through it. The results are those of
`tokens.token_values` and `spans.span_f1` on each document (tests/agreement/test_pieces.py checks
them against those functions on random documents).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from .spans import _max_overlap_matching
from .tokens import token_values

__all__ = [
    "PIECE_VERSION",
    "DocumentBatch",
    "DocumentPiece",
    "LabelTable",
    "batch_pieces",
    "document_pieces",
    "piece_from_bytes",
    "piece_to_bytes",
]

# Bump when what a piece holds, or how it is computed, changes: stored pieces of another version are
# never read (their fingerprints differ, see selectors.agreement) and `piece_from_bytes` refuses them.
PIECE_VERSION = 1
OUTSIDE = "O"
_SHIFT = 32  # offsets are below 2**32: (group << 32) + offset puts every group on its own stretch of one line


class LabelTable:
    """The integer codes of token values: 0 for OUTSIDE, 1.. for the labels in the project's order (a
    label named like OUTSIDE, or like an earlier label, shares its code)."""

    def __init__(self, labels: list[str]):
        self.labels = list(labels)
        self.code_of: dict[str, int] = {OUTSIDE: 0}
        for i, name in enumerate(self.labels, start=1):
            self.code_of.setdefault(name, i)
        self.n_codes = len(self.labels) + 1
        names = [OUTSIDE] * self.n_codes
        for name, code in self.code_of.items():
            names[code] = name
        self.names = names  # code -> name (a code nobody has keeps OUTSIDE; it is never used)
        # token_values breaks ties between equally good spans by str(label), then repr(label)
        order = sorted(set(names), key=lambda name: (str(name), repr(name)))
        rank = {name: i for i, name in enumerate(order)}
        self.rank = np.array([rank[name] for name in names], dtype=np.int64)


@dataclass(eq=False)
class DocumentPiece:
    document_id: int
    title: str
    reviewers: tuple[int, ...]  # sorted
    tokens: int
    label_spans: np.ndarray  # (C,)
    values: np.ndarray  # (C,)
    pairs: np.ndarray  # (P, C*C + 4C): confusion | exact matches | spans of a | spans of b | overlap matches
    codes: np.ndarray | None = None  # (k, T) token value codes of a paired document

    @property
    def paired(self) -> bool:
        """Compared at all: two reviewers or more, and tokens to compare."""
        return len(self.reviewers) >= 2 and self.tokens > 0

    @property
    def n_codes(self) -> int:
        return len(self.values)


def pair_slots(k: int) -> list[tuple[int, int]]:
    return list(combinations(range(k), 2))


def _pair_width(n_codes: int) -> int:
    return n_codes * n_codes + 4 * n_codes


# --- storage --------------------------------------------------------------------------------------------
def piece_to_bytes(piece: DocumentPiece) -> bytes:
    """A piece as bytes (little-endian): a header of int64 (version, codes, reviewers, tokens, pairs,
    code width, then the reviewer ids), the counts as int32, then the token codes (uint8 or uint16)."""
    n_codes, k = piece.n_codes, len(piece.reviewers)
    width = 1 if n_codes <= 256 else 2
    has_codes = piece.codes is not None
    head = np.array(
        [PIECE_VERSION, n_codes, k, piece.tokens, len(piece.pairs), width if has_codes else 0, *piece.reviewers],
        dtype="<i8",
    )
    body = np.concatenate([piece.label_spans, piece.values, piece.pairs.ravel()])
    if body.size and (body.max() >= 2**31 or body.min() < 0):
        raise ValueError("a count of the piece does not fit 32 bits")
    codes = b"" if not has_codes else piece.codes.astype("<u1" if width == 1 else "<u2").tobytes()
    return head.tobytes() + body.astype("<i4").tobytes() + codes


def piece_from_bytes(document_id: int, title: str, data: bytes, *, n_codes: int) -> DocumentPiece:
    """The piece `piece_to_bytes` wrote. ValueError when it is of another version, another label set
    (`n_codes`) or damaged: the caller computes the piece again."""
    data = bytes(data)
    if len(data) < 48:
        raise ValueError("piece too short")
    version, codes_n, k, tokens, n_pairs, width = np.frombuffer(data, dtype="<i8", count=6).tolist()
    if version != PIECE_VERSION or codes_n != n_codes:
        raise ValueError("piece of another version or label set")
    head = 8 * (6 + k)
    reviewers = tuple(np.frombuffer(data, dtype="<i8", count=k, offset=48).tolist())
    body_n = 2 * n_codes + n_pairs * _pair_width(n_codes)
    body = np.frombuffer(data, dtype="<i4", count=body_n, offset=head).astype(np.int64)
    rest = len(data) - head - 4 * body_n
    codes = None
    if width:
        if rest != width * k * tokens:
            raise ValueError("damaged piece")
        codes = np.frombuffer(data, dtype="<u1" if width == 1 else "<u2", offset=head + 4 * body_n)
        codes = codes.reshape(k, tokens)
    elif rest:
        raise ValueError("damaged piece")
    return DocumentPiece(
        document_id,
        title,
        reviewers,
        tokens,
        body[:n_codes],
        body[n_codes : 2 * n_codes],
        body[2 * n_codes :].reshape(n_pairs, _pair_width(n_codes)),
        codes,
    )


# --- computation ----------------------------------------------------------------------------------------
@dataclass
class DocumentBatch:
    """Documents to compute, in array form. Spans are given by the index of their document in the batch,
    the index (slot) of their reviewer in that document's sorted `reviewers`, offsets and label code."""

    document_ids: list[int]
    titles: list[str]
    reviewers: list[tuple[int, ...]]  # each document's submitting reviewers, sorted (with or without spans)
    tokens: list[np.ndarray]  # each document's (T, 2) token bounds
    span_document: np.ndarray
    span_slot: np.ndarray
    span_start: np.ndarray
    span_end: np.ndarray
    span_code: np.ndarray


def document_pieces(items: Iterable, labels: LabelTable | list[str], *, chunk: int = 1000) -> Iterator[DocumentPiece]:
    """Pieces of `items` in their order: a `DocumentWork` is computed (in batches of `chunk`), a
    `DocumentPiece` passes through. A span label must be one of `labels`."""
    table = labels if isinstance(labels, LabelTable) else LabelTable(labels)
    pending: list = []
    for item in items:
        if isinstance(item, DocumentPiece):
            yield from _works_pieces(pending, table)
            pending = []
            yield item
            continue
        pending.append(item)
        if len(pending) >= chunk:
            yield from _works_pieces(pending, table)
            pending = []
    yield from _works_pieces(pending, table)


def _works_pieces(works: list, table: LabelTable) -> list[DocumentPiece]:
    if not works:
        return []
    docs, slots, starts, ends, codes = [], [], [], [], []
    reviewers = []
    for d, work in enumerate(works):
        who = tuple(sorted(work.spans))
        reviewers.append(who)
        for slot, reviewer in enumerate(who):
            for start, end, label in work.spans[reviewer]:
                code = table.code_of.get(label)
                if code is None:
                    raise ValueError(f"span label {label!r} is not one of the labels {table.labels!r}")
                docs.append(d)
                slots.append(slot)
                starts.append(start)
                ends.append(end)
                codes.append(code)
    batch = DocumentBatch(
        document_ids=[work.document_id for work in works],
        titles=[work.title for work in works],
        reviewers=reviewers,
        tokens=[np.asarray(work.tokens, dtype=np.int64).reshape(-1, 2) for work in works],
        span_document=np.asarray(docs, dtype=np.int64),
        span_slot=np.asarray(slots, dtype=np.int64),
        span_start=np.asarray(starts, dtype=np.int64),
        span_end=np.asarray(ends, dtype=np.int64),
        span_code=np.asarray(codes, dtype=np.int64),
    )
    return batch_pieces(batch, table)


def _order(*columns: np.ndarray) -> np.ndarray:
    """np.lexsort(columns[::-1]): sorted by the first column, then the second…; through one packed int64
    key when the columns (never negative) fit 63 bits together, which sorts faster."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    bits = 0
    for column in columns:
        width = int(column.max()).bit_length() if len(column) else 0
        bits += width
        if bits > 63:
            return np.lexsort(columns[::-1])
        key = (key << width) | column
    return np.argsort(key)


def _ranges(lengths: np.ndarray) -> np.ndarray:
    """0..n-1 for each n of `lengths`, concatenated."""
    total = int(lengths.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def batch_pieces(batch: DocumentBatch, table: LabelTable) -> list[DocumentPiece]:
    """The pieces of a batch of documents, in its order (see the module docstring)."""
    n_docs = len(batch.document_ids)
    n_codes = table.n_codes
    sd = np.asarray(batch.span_document, dtype=np.int64)
    slot = np.asarray(batch.span_slot, dtype=np.int64)
    ss = np.asarray(batch.span_start, dtype=np.int64)
    se = np.asarray(batch.span_end, dtype=np.int64)
    sc = np.asarray(batch.span_code, dtype=np.int64)
    k = np.array([len(who) for who in batch.reviewers], dtype=np.int64)
    n_tok = np.array([len(t) for t in batch.tokens], dtype=np.int64)
    label_spans = np.bincount(sd * n_codes + sc, minlength=n_docs * n_codes).reshape(n_docs, n_codes)
    paired = (k >= 2) & (n_tok > 0)
    in_paired = paired[sd] if len(sd) else np.zeros(0, dtype=bool)
    bad = np.flatnonzero(in_paired & (ss > se))
    if len(bad):
        i = bad[0]
        raise ValueError(f"span start must not exceed its end; got {(int(ss[i]), int(se[i]), table.names[sc[i]])!r}")

    # every paired document's cells: k rows of T token values, row-major, one block after the other
    cells = np.where(paired, k * n_tok, 0)
    cell_base = np.cumsum(cells) - cells
    codes = np.zeros(int(cells.sum()), dtype=np.int64)
    _token_codes(batch, table, paired, k, n_tok, cell_base, codes, sd, slot, ss, se, sc)
    cell_doc = np.repeat(np.arange(n_docs), cells)
    values = np.bincount(cell_doc * n_codes + codes, minlength=n_docs * n_codes).reshape(n_docs, n_codes)

    pair_rows, pair_doc, pair_index = _pair_rows(
        paired, k, n_tok, cell_base, codes, n_codes, sd, slot, ss, se, sc, in_paired
    )
    order = np.lexsort((pair_index, pair_doc))
    pair_rows, pair_doc = pair_rows[order], pair_doc[order]
    pair_off = np.concatenate([[0], np.cumsum(np.bincount(pair_doc, minlength=n_docs))])

    pieces = []
    for d in range(n_docs):
        doc_codes = None
        if paired[d]:
            doc_codes = codes[cell_base[d] : cell_base[d] + cells[d]].reshape(int(k[d]), int(n_tok[d]))
        pieces.append(
            DocumentPiece(
                batch.document_ids[d],
                batch.titles[d],
                tuple(batch.reviewers[d]),
                int(n_tok[d]),
                label_spans[d],
                values[d],
                pair_rows[pair_off[d] : pair_off[d + 1]],
                doc_codes,
            )
        )
    return pieces


def _token_codes(batch, table, paired, k, n_tok, cell_base, codes, sd, slot, ss, se, sc) -> None:
    """Fills `codes` with every paired document's token values, as `tokens.token_values` gives them: a
    token takes the label of the covering span with the largest overlap, then the shortest, then the
    smallest label name; OUTSIDE (0) when no span covers it."""
    n_docs = len(k)
    if not paired.any():
        return
    all_tokens = np.concatenate(batch.tokens) if n_docs else np.zeros((0, 2), dtype=np.int64)
    ts, te = all_tokens[:, 0], all_tokens[:, 1]
    tok_doc = np.repeat(np.arange(n_docs), n_tok)
    tok_base = np.cumsum(n_tok) - n_tok
    tok_paired = paired[tok_doc]
    empty = np.flatnonzero(tok_paired & ~(ts < te))
    if len(empty):
        i = empty[0]
        raise ValueError(f"a token must have start < end; got {(int(ts[i]), int(te[i]))!r}")
    # The bisection of token_values needs tokens in order (starts and ends never decreasing); a document
    # whose tokens are not is computed by token_values itself.
    same_doc = tok_doc[1:] == tok_doc[:-1]
    backwards = same_doc & ((ts[1:] < ts[:-1]) | (te[1:] < te[:-1]))
    unordered = np.zeros(n_docs, dtype=bool)
    unordered[tok_doc[1:][backwards]] = True
    fast = paired & ~unordered

    # One line for the whole batch: document d's offsets shifted by d times the largest offset (+ 1).
    extent = max(int(te.max()) if len(te) else 0, int(se.max()) if len(se) else 0) + 1
    base = np.arange(n_docs, dtype=np.int64) * extent
    tsel = np.flatnonzero(fast[tok_doc])
    g_ts = ts[tsel] + base[tok_doc[tsel]]
    g_te = te[tsel] + base[tok_doc[tsel]]
    sp = np.flatnonzero(fast[sd] & (ss < se)) if len(sd) else np.zeros(0, dtype=np.int64)
    g_s = ss[sp] + base[sd[sp]]
    g_e = se[sp] + base[sd[sp]]
    lo = np.searchsorted(g_te, g_s, side="right")  # first token ending after the span starts
    hi = np.searchsorted(g_ts, g_e, side="left")  # first token starting at or after its end
    count = np.maximum(hi - lo, 0)
    rep = np.repeat(np.arange(len(sp)), count)
    tok = lo[rep] + _ranges(count)
    overlap = np.minimum(g_e[rep], g_te[tok]) - np.maximum(g_s[rep], g_ts[tok])
    keep = overlap > 0
    rep, tok, overlap = rep[keep], tok[keep], overlap[keep]
    span = sp[rep]
    d = sd[span]
    cell = cell_base[d] + slot[span] * n_tok[d] + (tsel[tok] - tok_base[d])
    codes[cell] = sc[span]  # right wherever one span covers the token
    # where several do, the winner: largest overlap, then shortest span, then smallest label name
    covers = np.bincount(cell, minlength=len(codes))
    contested = np.flatnonzero(covers[cell] > 1)
    if len(contested):
        cell, span, overlap = cell[contested], span[contested], overlap[contested]
        best = _order(cell, overlap.max() - overlap, se[span] - ss[span], table.rank[sc[span]])
        first = np.ones(len(best), dtype=bool)
        first[1:] = cell[best][1:] != cell[best][:-1]
        winners = best[first]
        codes[cell[winners]] = sc[span[winners]]

    for d in np.flatnonzero(paired & unordered).tolist():
        tokens = [tuple(t) for t in batch.tokens[d].tolist()]
        mine = np.flatnonzero(sd == d)
        for row in range(int(k[d])):
            spans = [(int(ss[i]), int(se[i]), table.names[sc[i]]) for i in mine if slot[i] == row]
            given = token_values(tokens, spans, OUTSIDE)
            start = cell_base[d] + row * n_tok[d]
            codes[start : start + n_tok[d]] = [table.code_of.get(v, 0) for v in given]


def _pair_rows(paired, k, n_tok, cell_base, codes, n_codes, sd, slot, ss, se, sc, in_paired):
    """One row per (paired document, reviewer pair): confusion | exact | n_a | n_b | overlap; with the
    row's document and its pair index in combinations order."""
    width = _pair_width(n_codes)
    if not paired.any():
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros((0, width), dtype=np.int64), empty, empty
    n_docs = len(k)
    kmax = int(k[paired].max())
    ps = np.flatnonzero(in_paired)  # spans of paired documents
    # spans of each (document, reviewer slot, code)
    per_slot = np.bincount((sd[ps] * kmax + slot[ps]) * n_codes + sc[ps], minlength=n_docs * kmax * n_codes)
    per_slot = per_slot.reshape(n_docs, kmax, n_codes)
    # exact: spans with the same (document, code, start, end), counted per slot (a span list is a multiset)
    group = sd[ps] * n_codes + sc[ps]
    order = _order(group, ss[ps], se[ps])
    group, first, last = group[order], ss[ps][order], se[ps][order]
    new_key = np.ones(len(order), dtype=bool)
    new_key[1:] = (group[1:] != group[:-1]) | (first[1:] != first[:-1]) | (last[1:] != last[:-1])
    key = np.cumsum(new_key) - 1
    n_keys = int(new_key.sum())
    multiplicity = np.bincount(key * kmax + slot[ps[order]], minlength=n_keys * kmax).reshape(n_keys, kmax)
    key_group = group[new_key]

    by_position = ps[order]  # spans sorted by (document, code, start, end): the overlap sweep's order too
    # every token of a paired document: its cell in row 0, the document's token count, its document
    t_all = np.where(paired, n_tok, 0)
    token_doc = np.repeat(np.arange(n_docs), t_all)
    row0 = cell_base[token_doc] + _ranges(t_all)
    token_t = n_tok[token_doc]

    blocks, block_doc, block_index = [], [], []
    for i, j in combinations(range(kmax), 2):
        docs = np.flatnonzero(paired & (k > j))
        if not len(docs):
            continue
        rows = np.zeros((len(docs), width), dtype=np.int64)
        # confusion of the two rows of token codes
        if len(docs) == int(paired.sum()):
            rep, base, t = token_doc, row0, token_t
        else:
            mine = k[token_doc] > j
            rep, base, t = token_doc[mine], row0[mine], token_t[mine]
        position = np.cumsum(paired & (k > j)) - 1  # document -> its index in docs
        first = codes[base + i * t]
        second = codes[base + j * t]
        confusion = np.bincount(
            (position[rep] * n_codes + first) * n_codes + second, minlength=len(docs) * n_codes * n_codes
        )
        rows[:, : n_codes * n_codes] = confusion.reshape(len(docs), n_codes * n_codes)
        c0 = n_codes * n_codes
        exact = np.bincount(
            key_group, weights=np.minimum(multiplicity[:, i], multiplicity[:, j]), minlength=n_docs * n_codes
        )
        rows[:, c0 : c0 + n_codes] = exact.reshape(n_docs, n_codes)[docs].astype(np.int64)
        rows[:, c0 + n_codes : c0 + 2 * n_codes] = per_slot[docs, i, :]
        rows[:, c0 + 2 * n_codes : c0 + 3 * n_codes] = per_slot[docs, j, :]
        overlap = _overlap_matches(by_position, i, j, k, sd, slot, ss, se, sc, n_codes, n_docs)
        rows[:, c0 + 3 * n_codes :] = overlap[docs]
        blocks.append(rows)
        block_doc.append(docs)
        # index of (i, j) in combinations(range(k), 2) for a document of k reviewers
        kd = k[docs]
        block_index.append(i * (2 * kd - i - 1) // 2 + (j - i - 1))
    return np.concatenate(blocks), np.concatenate(block_doc), np.concatenate(block_index)


def _overlap_matches(by_position, i, j, k, sd, slot, ss, se, sc, n_codes, n_docs) -> np.ndarray:
    """(documents x codes) overlap matches between reviewer slots i and j: the size of a maximum
    one-to-one matching of overlapping same-label spans, as `spans.span_f1(match="overlap")` counts it.

    A maximum matching adds up over the connected parts of the overlap graph, and each part lies
    within one cluster: a maximal run of chained overlapping spans (of either reviewer). A cluster
    without both reviewers matches 0; one where a reviewer has a single span matches 1 (that span
    overlaps a span of the other in its cluster: nothing else is there to chain it in). The clusters
    with two spans or more of each reviewer run the greedy sweep of `spans` (`_greedy_matches`)."""
    # `by_position`: spans of paired documents sorted by (document, code, start, end)
    pair_slot = slot[by_position]
    idx = by_position[(pair_slot == i) | (pair_slot == j)]
    idx = idx[(k[sd[idx]] > j) & (ss[idx] < se[idx])]  # an empty span overlaps nothing
    if not len(idx):
        return np.zeros((n_docs, n_codes), dtype=np.int64)
    group = sd[idx] * n_codes + sc[idx]
    g_start = (group << _SHIFT) + ss[idx]
    reach = np.maximum.accumulate((group << _SHIFT) + se[idx])
    new = np.ones(len(idx), dtype=bool)
    new[1:] = g_start[1:] >= reach[:-1]
    cluster = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    is_a = slot[idx] == i
    n_a = np.bincount(cluster, weights=is_a)
    n_b = np.bincount(cluster, weights=~is_a)
    smaller = np.minimum(n_a, n_b)
    matched = np.minimum(smaller, 1).astype(np.int64)
    hard = smaller >= 2
    if hard.any():
        members = hard[cluster]
        matched[hard] = _greedy_matches(cluster[members], ss[idx[members]], se[idx[members]], is_a[members])
    out = np.bincount(group[starts], weights=matched, minlength=n_docs * n_codes)
    return out.astype(np.int64).reshape(n_docs, n_codes)


_LOCKSTEP_WIDTH = 64  # clusters up to this many spans are swept side by side; larger ones one by one


def _greedy_matches(cluster: np.ndarray, start: np.ndarray, end: np.ndarray, is_a: np.ndarray) -> np.ndarray:
    """The matches of each cluster (ascending cluster id, spans given in any order) by the sweep of
    `spans._max_overlap_matching`: take the unmatched span with the smallest end; match it to the
    unmatched span of the other reviewer that starts before that end with the smallest end, if any.

    The clusters are swept side by side, one step per span: an array of clusters x spans (sorted by
    end) and a step that runs over every cluster at once."""
    ids, size = np.unique(cluster, return_counts=True)
    out = np.zeros(len(ids), dtype=np.int64)
    order = np.lexsort((end, cluster))
    cluster, start, end, is_a = cluster[order], start[order], end[order], is_a[order]
    first = np.searchsorted(cluster, ids)
    for c in np.flatnonzero(size > _LOCKSTEP_WIDTH).tolist():
        part = slice(first[c], first[c] + size[c])
        spans = list(zip(start[part].tolist(), end[part].tolist(), is_a[part].tolist(), strict=True))
        out[c] = _max_overlap_matching([x for x in spans if x[2]], [x for x in spans if not x[2]])
    small = np.flatnonzero(size <= _LOCKSTEP_WIDTH)
    if not len(small):
        return out
    width = int(size[small].max())
    rows = np.repeat(np.arange(len(small)), size[small])
    cols = _ranges(size[small])
    take = np.repeat(first[small], size[small]) + cols
    alive = np.zeros((len(small), width), dtype=bool)
    alive[rows, cols] = True
    s_mat = np.zeros((len(small), width), dtype=np.int64)
    e_mat = np.zeros((len(small), width), dtype=np.int64)
    a_mat = np.zeros((len(small), width), dtype=bool)
    s_mat[rows, cols], e_mat[rows, cols], a_mat[rows, cols] = start[take], end[take], is_a[take]
    matched = np.zeros(len(small), dtype=np.int64)
    for step in range(width):
        # every span before `step` is matched or passed: the span at `step` has the smallest end left
        live = np.flatnonzero(alive[:, step])
        if not len(live):
            continue
        alive[live, step] = False
        x_end, x_a = e_mat[live, step], a_mat[live, step]
        candidates = alive[live] & (a_mat[live] != x_a[:, None]) & (s_mat[live] < x_end[:, None])
        found = candidates.any(axis=1)
        pick = candidates.argmax(axis=1)  # the first, so the smallest end
        hit = live[found]
        alive[hit, pick[found]] = False
        matched[hit] += 1
    out[small] = matched
    return out
