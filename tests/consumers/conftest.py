"""Consumer tests: the exports read by the real tools, offline.

Hugging Face libraries read their offline switches when they are imported, so they are set here, before
any test module imports them; their caches go to a temporary directory, never the developer's home.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile

import pytest

os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="hf-home-"))

PLACES = ("الرقة", "دير الزور", "حمص", "تدمر", "السخنة")
OUTLETS = (("المرصد السوري", "syriahr.com"), ("سانا", "sana.sy"), ("عنب بلدي", "enabbaladi.net"), ("", ""))


def article(n: int) -> str:
    place = PLACES[n % len(PLACES)]
    emoji = " 😢" if n % 3 == 0 else ""
    return (
        f"قال المرصد السوري إن {n + 3} عنصراً قُتلوا في {place} يوم الأحد{emoji}. "
        f"وأضاف أن الهجوم على {place} استمر لساعات، وأن القوات انسحبت نحو البادية."
    )


@pytest.fixture
def dataset(project, adjudicator):
    """40 final gold documents of 4 outlets (one without): per document an actor span with a `place`
    span nested in it (one column keeps the actor), a casualty figure and the place; every fifth document
    was imported as resolved by majority vote (votes and reviewers set, no decider)."""
    from django.utils import timezone

    from annotations.models import Adjudication, AdjudicationStatus, GoldSpan, Source
    from tests.factories import DocumentFactory

    labels = {label.name: label for label in project.label_types.all()}
    sources = [Source.objects.get_or_create(name=name, domain=domain)[0] if name else None for name, domain in OUTLETS]
    expected = {"actor": 0, "place": 0, "casualty_figure": 0, "left_out": 0}
    for n in range(40):
        text = article(n)
        document = DocumentFactory(
            project=project,
            text=text,
            title=f"خبر {n}",
            source=sources[n % len(sources)],
            url=f"https://example.org/{n}" if n % 2 else "",
            published_at=dt.datetime(2024, 1, 1 + n % 28, tzinfo=dt.UTC),
        )
        majority = n % 5 == 0
        adjudication = Adjudication.objects.create(
            document=document,
            adjudicator=adjudicator,
            status=AdjudicationStatus.FINAL,
            decided_at=timezone.now(),
            imported=majority,
            resolution="majority" if majority else "adjudicated",
            reviewers=3 if majority else None,
        )
        place = PLACES[n % len(PLACES)]
        spans = [
            (text.index("المرصد السوري"), "المرصد السوري", "actor"),
            (text.index("السوري"), "السوري", "place"),  # nested in the actor: left out of CoNLL-2003
            (text.index(f"{n + 3} عنصراً"), f"{n + 3} عنصراً", "casualty_figure"),
            (text.index(place), place, "place"),
        ]
        for start, quote, label in spans:
            GoldSpan.objects.create(
                adjudication=adjudication,
                label=labels[label],
                start=start,
                end=start + len(quote),
                text=quote,
                decision="majority" if majority else "accepted",
                decided_by=adjudicator,
                votes=2 if majority else None,
            )
        expected["actor"] += 1
        expected["casualty_figure"] += 1
        expected["place"] += 1
        expected["left_out"] += 1
    return expected
