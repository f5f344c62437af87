"""Reads for adjudication (selectors.adjudication): the gold spans in the page's state have the API's shape."""

from __future__ import annotations

import json

from annotations.api.adjudication import GoldSpanOutput
from annotations.models import Adjudication, Claim, GoldClaimLink, GoldSpan, LabelType
from annotations.selectors.adjudication import adjudication_state
from tests.factories import DocumentFactory


def test_gold_spans_read_as_the_api_serializer_writes_them(project, adjudicator):
    document = DocumentFactory(project=project, text="قال الجيش إن 30 جندياً قتلوا")
    adjudication = Adjudication.objects.create(document=document, adjudicator=adjudicator)
    actor = LabelType.objects.get(project=project, name="actor")
    gold = GoldSpan.objects.create(
        adjudication=adjudication, label=actor, start=4, end=9, text="الجيش", decided_by=adjudicator
    )
    claim = Claim.objects.create(project=project, text="ادعاء")
    GoldClaimLink.objects.create(gold_span=gold, claim=claim, stance="supports", decided_by=adjudicator)
    gold = GoldSpan.objects.get(pk=gold.pk)
    state = adjudication_state(document)
    assert json.loads(json.dumps(state["gold"]["spans"])) == [json.loads(json.dumps(GoldSpanOutput(gold).data))]
    assert state["gold"]["adjudicator"] == adjudicator.username and state["candidates"] == []
