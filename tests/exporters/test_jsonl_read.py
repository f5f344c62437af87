"""The JSONL reader (import_gold's parser) gives back exactly what the writer wrote."""

from __future__ import annotations

import json

import pytest

from annotations.errors import ImportLineError
from annotations.exporters import get_writer
from annotations.exporters.jsonl import read_documents
from annotations.exporters.records import GoldClaimLink, GoldReliability, GoldSpan
from tests.exporters.samples import CLAIM, CONTEXT, TEXT_1, at, document_1, document_2


def majority_document():
    start, end = at(TEXT_1, "الجَيْشُ")
    return document_1(
        resolution="majority",
        adjudicator=None,
        reviewers=3,
        agreement=None,
        spans=(GoldSpan(start, end, "actor", TEXT_1[start:end], "majority", None, 2),),
        claim_links=(GoldClaimLink(0, CLAIM, "supports", None, 2),),
        reliability=(GoldReliability("B", 2, None, "", None, 3),),
    )


def test_write_then_read_is_the_identity_with_agreement_as_written():
    documents = [document_1(), document_2(), majority_document()]
    text = "".join(get_writer("jsonl").write(documents, CONTEXT, None))
    read = [doc for _, doc in read_documents(text.encode().split(b"\n"), "gold.jsonl")]
    # the agreement figures come back as written: NaN was written as null
    written = {"token_alpha": 0.5, "overlap_f1": None, "reviewers": 2}
    assert read == [document_1(agreement=written), document_2(), majority_document()]
    # and writing what was read gives the same bytes
    assert "".join(get_writer("jsonl").write(read, CONTEXT, None)) == text


def test_majority_records_carry_votes_and_reviewers():
    record = json.loads("".join(get_writer("jsonl").write([majority_document()], CONTEXT, None)))
    assert record["resolution"] == "majority" and record["reviewers"] == 3 and record["adjudicator"] is None
    assert record["spans"][0]["votes"] == 2 and record["spans"][0]["decision"] == "majority"
    assert record["claim_links"][0]["votes"] == 2 and record["reliability"][0]["votes"] == 3
    adjudicated = json.loads("".join(get_writer("jsonl").write([document_1()], CONTEXT, None)))
    # the same keys, null: column-typed readers infer one type for every record
    assert adjudicated["reviewers"] is None and list(adjudicated) == list(record)
    for key in ("spans", "claim_links", "reliability"):
        assert {item["votes"] for item in adjudicated[key]} == {None}
        assert list(adjudicated[key][0]) == list(record[key][0])


def test_line_numbers_count_blank_lines_and_a_bom_is_ignored():
    good = "".join(get_writer("jsonl").write([document_2()], CONTEXT, None)).strip()
    lines = ["\ufeff" + good, "", good.replace('"resolution":"adjudicated"', '"resolution":"guess"')]
    with pytest.raises(ImportLineError) as caught:
        list(read_documents(lines, "g.jsonl"))
    assert caught.value.message == "g.jsonl:3: resolution must be 'adjudicated' or 'majority'"
