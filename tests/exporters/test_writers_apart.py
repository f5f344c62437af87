"""Writers that write runs of documents apart (a parallel export's parts) give the file `write` gives.

`Writer.writes_apart`: the head, then `body` of consecutive runs of documents joined (or laid out by the
writer's `assemble` from their UTF-8) must be `write`'s text byte for byte, and the runs' statistics added
up `write`'s statistics, wherever the runs are cut (`annotations.services.export_parts` relies on it)."""

from __future__ import annotations

import random

import pytest

from annotations.exporters import REGISTRY, get_writer, web_annotation
from annotations.services.export_parts import merge_stats
from tests.exporters.samples import CONTEXT
from tests.exporters.test_fast_paths import corpus

APART = sorted(name for name, writer in REGISTRY.items() if writer.writes_apart)


def test_every_format_but_claimreview_writes_apart():
    # ClaimReview gathers each claim's appearances over all documents: it cannot be cut into runs
    assert sorted(set(REGISTRY) - {"claimreview"}) == APART


def cut(documents: list, rng: random.Random) -> list[list]:
    runs, at = [], 0
    while at < len(documents):
        size = rng.choice([1, 2, 7, 50, 333])
        runs.append(documents[at : at + size])
        at += size
    return runs


def written_apart(writer, runs: list[list], stats: dict) -> bytes:
    bodies = []
    for run in runs:
        run_stats: dict = {}
        pieces = [piece.encode() for piece in writer.body(iter(run), CONTEXT, run_stats)]
        bodies.append((b"".join(pieces), [len(piece) for piece in pieces], [piece.count(b"\n") for piece in pieces]))
        merge_stats(stats, run_stats)
    opening = writer.opening(CONTEXT).encode()
    if writer.assemble is None:
        return opening + b"".join(data for data, *_ in bodies)
    return opening + b"".join(writer.assemble(iter(bodies), CONTEXT, stats))


@pytest.mark.parametrize("name", APART)
def test_runs_written_apart_are_the_file(name):
    writer = get_writer(name)
    documents = corpus() * 4  # Web Annotation: pages of PAGE_SIZE annotations cut across runs
    whole_stats: dict = {}
    whole = "".join(writer.write(iter(documents), CONTEXT, whole_stats)).encode()
    for seed in (1, 2, 3):
        stats: dict = {}
        assert written_apart(writer, cut(documents, random.Random(seed)), stats) == whole
        assert stats == whole_stats
    stats = {}
    assert written_apart(writer, [], stats) == "".join(writer.write(iter([]), CONTEXT, {})).encode()


def test_web_annotation_pages_cross_the_runs():
    documents = corpus() * 4
    runs = cut(documents, random.Random(4))
    items = sum(len(web_annotation.document_item_texts(d, CONTEXT)) for d in documents)
    per_run = [sum(len(web_annotation.document_item_texts(d, CONTEXT)) for d in run) for run in runs]
    assert items > 2 * web_annotation.PAGE_SIZE
    assert any(total % web_annotation.PAGE_SIZE for total in per_run)  # a page is filled from two runs
