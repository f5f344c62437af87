"""Text laid out as byte segments, gathered by numpy: for writers whose output is mostly short pieces of
the documents' own text and of a few tables (CoNLL's token lines).

A writer describes its output as a sequence of segments (where in a source buffer each starts, and its
length) and `gather` copies them out in one vectorized pass. This costs a few nanoseconds a byte; joining
Python strings costs tens of nanoseconds a piece, and a CoNLL token line has five pieces of a few bytes.

Offsets inside the workbench are code points; `utf8_offsets` turns them into byte offsets of the UTF-8
text (every document of a batch at once).
"""

from __future__ import annotations

import numpy as np

from ._common import formatted

INDEX = np.int32  # a batch's source buffer and output stay far below 2 GiB (see the callers' limits)


def utf8_offsets(text: str) -> np.ndarray:
    """`offsets[i]` = the byte length of the UTF-8 of `text[:i]`, for i in 0..len(text)."""
    offsets = np.zeros(len(text) + 1, np.int64)
    if text.isascii():
        offsets[1:] = np.arange(1, len(text) + 1)
        return offsets
    codes = np.frombuffer(text.encode("utf-32-le"), np.uint32)
    widths = (codes >= 0x80).astype(np.int64)
    widths += codes >= 0x800
    widths += codes >= 0x10000
    widths += 1
    np.cumsum(widths, out=offsets[1:])
    return offsets


class Table:
    """Byte strings laid end to end (`data`), with where each starts (`starts`) and its length (`lengths`)."""

    def __init__(self, pieces: list[bytes]):
        self.data = b"".join(pieces)
        self.lengths = np.fromiter(map(len, pieces), np.int64, len(pieces))
        self.starts = np.zeros(len(pieces), np.int64)
        np.cumsum(self.lengths[:-1], out=self.starts[1:])

    def __len__(self) -> int:
        return len(self.lengths)


_number_tables: dict[str, Table] = {}


def number_table(form: str, limit: int) -> Table:
    """`form % n` as UTF-8 for every n < limit (at least): `_common.formatted`'s table, encoded; kept and
    grown with it, one per form."""
    table = _number_tables.get(form)
    if table is None or len(table) < limit:
        table = _number_tables[form] = Table([piece.encode() for piece in formatted(form, limit)])
    return table


def gather(source: bytes, starts: np.ndarray, lengths: np.ndarray) -> bytes:
    """The bytes source[starts[i] : starts[i] + lengths[i]] for every i, joined."""
    keep = lengths > 0
    starts = starts[keep].astype(INDEX)
    lengths = lengths[keep].astype(INDEX)
    if not len(lengths):
        return b""
    ends = np.cumsum(lengths, dtype=np.int64)
    total = int(ends[-1])
    # output byte k of segment i comes from source byte starts[i] + (k - (ends[i] - lengths[i]))
    shifts = starts - (ends - lengths).astype(INDEX)
    index = np.repeat(shifts, lengths)
    index += np.arange(total, dtype=INDEX)
    return np.frombuffer(source, np.uint8)[index].tobytes()
