"""Gold dataset writers. Pure: no Django, plain records in, text out.

records (`records.py`) -> a writer per format (one module each) -> the caller streams the text to a
file while hashing it -> `manifest.py` describes the result. Writers take an iterable of
`GoldDocument` and an `ExportContext` and yield text (a line or a document's worth at a time), so
memory stays flat however large the project is. Output is deterministic: the same gold gives the
same bytes (stable order, fixed keys, no timestamps in data files, "\\n" line ends; CSV uses CRLF as
RFC 4180 says).

A writer whose text for a document depends on no other document also has `body` (and `head`, the text
before the documents): `write` is then `head` followed by `body` of the documents, and `body` of
consecutive runs of documents, written apart (by a parallel export's processes) and joined, gives the
same text. Where the documents' text is laid out after the fact (Web Annotation's pages), `assemble`
lays out the bodies, each given as its UTF-8, the byte length of each piece `body` yielded and how many
lines each piece holds. A writer may also give its body as UTF-8 (`body_utf8`, pieces of any size): the
export streams those bytes without decoding and encoding them again (`Writer.write_utf8`).

    >>> get_writer("jsonl").extension
    'jsonl'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from types import ModuleType

from annotations.errors import UnknownFormat

from . import claimreview, conll, conll2003, csv_spans, jsonl, web_annotation, web_annotation_jsonl
from .records import ExportContext, GoldDocument

EXPORTER_VERSION = "1.0.0"  # the code version in manifests when `git describe` is not available


@dataclass(frozen=True)
class Writer:
    name: str
    extension: str
    media_type: str
    title: str
    notes: str
    write: Callable[[Iterable[GoldDocument], ExportContext, dict | None], Iterator[str]]
    reads_tokens: bool = False  # uses GoldDocument.sentences() / token_table(): the export reads stored tokens
    head: Callable[[ExportContext], str] | None = None
    body: Callable[[Iterable[GoldDocument], ExportContext, dict | None], Iterator[str]] | None = None
    assemble: Callable[[Iterable[tuple[bytes, list, list]], ExportContext, dict | None], Iterator[bytes]] | None = None
    body_utf8: Callable[[Iterable[GoldDocument], ExportContext, dict | None], Iterator[bytes]] | None = None

    @classmethod
    def of(cls, module: ModuleType) -> Writer:
        fields = (module.NAME, module.EXTENSION, module.MEDIA_TYPE, module.TITLE, module.NOTES, module.write)
        parts = (getattr(module, "head", None), getattr(module, "body", None), getattr(module, "assemble", None))
        return cls(*fields, getattr(module, "READS_TOKENS", False), *parts, getattr(module, "body_utf8", None))

    def write_utf8(
        self, documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None
    ) -> Iterator[bytes]:
        """`write`, as UTF-8."""
        if self.body_utf8 is None:
            return (piece.encode("utf-8") for piece in self.write(documents, context, stats))
        return chain([self.opening(context).encode("utf-8")], self.body_utf8(documents, context, stats))

    def body_pieces_utf8(
        self, documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None
    ) -> Iterator[bytes]:
        """`body`, as UTF-8: each piece `body` yields, encoded (what `assemble` lays out), or `body_utf8`."""
        if self.body_utf8 is None:
            return (piece.encode("utf-8") for piece in self.body(documents, context, stats))
        return self.body_utf8(documents, context, stats)

    @property
    def writes_apart(self) -> bool:
        """Runs of documents can be written apart and joined (see the module docstring)."""
        return self.body is not None

    def opening(self, context: ExportContext) -> str:
        return self.head(context) if self.head is not None else ""


REGISTRY: dict[str, Writer] = {
    writer.name: writer
    for writer in map(
        Writer.of, (jsonl, conll, web_annotation, claimreview, csv_spans, conll2003, web_annotation_jsonl)
    )
}
FORMATS = tuple(REGISTRY)


def get_writer(fmt) -> Writer:
    """The writer of `fmt`; UnknownFormat (a 400 naming the known formats) for anything else."""
    writer = REGISTRY.get(fmt) if isinstance(fmt, str) else None
    if writer is None:
        raise UnknownFormat(str(fmt), list(REGISTRY))
    return writer


__all__ = ["EXPORTER_VERSION", "FORMATS", "REGISTRY", "Writer", "get_writer"]
