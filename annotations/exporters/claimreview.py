"""schema.org ClaimReview (JSON-LD): one review per claim that has a verdict and gold evidence.

The file is one JSON object, {"@context": [...], "@graph": [ClaimReview, …]}, one review per line,
claims in id order. A claim is reviewed when its verdict is not "unverified" and a gold claim link of an
exported document points at it. Each review::

    {"@type": "ClaimReview",
     "@id": "urn:workbench:claim:<project>:<claim id>",
     "claimReviewed": <claim text>,
     "datePublished": <date of the change that set the current verdict>   (omitted if never changed)
     "author": {"@type": "Organization", "name": <project or organization>},
     "reviewRating": {"@type": "Rating", "alternateName": <verdict>, "ratingValue", "bestRating": 3,
                      "worstRating": 1, "ratingExplanation": <rationale>},
     "itemReviewed": {"@type": "Claim", "text"?, "appearance": [CreativeWork of each article with gold
                      evidence: url, headline, datePublished, publisher (Organization, the outlet),
                      identifier (urn:workbench:document:<sha256>), "workbench:evidence": [{stance,
                      quote, start, end}]]}}

Rating mapping (ours; schema.org leaves the scale to the publisher): refuted 1, mixed 2, supported 3
(worstRating 1, bestRating 3); "unverifiable" has no point on that scale, so it has no ratingValue
(alternateName "unverifiable" only). alternateName is always the workbench verdict.

datePublished is data, not export time: the date of the latest ClaimVerdictChange that set the
verdict, so exporting the same gold twice gives the same bytes. Reviews are built after all documents
are read (one small entry per gold link is kept in memory, not the documents).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ._common import document_urn, dumps
from .records import ClaimRecord, ExportContext, GoldDocument

NAME = "claimreview"
EXTENSION = "jsonld"
MEDIA_TYPE = "application/ld+json"
TITLE = "schema.org ClaimReview (JSON-LD)"
CONTEXT = ["https://schema.org", {"workbench": "urn:workbench:vocab#"}]
RATING = {"refuted": 1, "mixed": 2, "supported": 3}
BEST, WORST = 3, 1
NOTES = (
    "One JSON-LD object whose `@graph` lists a schema.org ClaimReview per claim with a verdict (not "
    "`unverified`) and gold evidence: `claimReviewed`, `reviewRating` (alternateName = verdict; ratingValue "
    "refuted 1, mixed 2, supported 3 on worstRating 1 … bestRating 3; none for unverifiable), `itemReviewed` "
    "a Claim whose `appearance` lists the articles (CreativeWork with url, headline and publisher) with the "
    "evidence quotes and stances, `author` the organization, `datePublished` the date the verdict was set."
)


def review_object(claim: ClaimRecord, appearances: list[dict], context: ExportContext) -> dict:
    rating = {"@type": "Rating", "alternateName": claim.verdict}
    if claim.verdict in RATING:
        rating["ratingValue"] = RATING[claim.verdict]
    rating.update({"bestRating": BEST, "worstRating": WORST})
    if claim.rationale:
        rating["ratingExplanation"] = claim.rationale
    item: dict = {"@type": "Claim"}
    if claim.event_date:
        item["temporalCoverage"] = claim.event_date
    if claim.place:
        item["spatialCoverage"] = {"@type": "Place", "name": claim.place}
    if claim.actor:
        item["about"] = {"@type": "Thing", "name": claim.actor}
    if claim.casualty_figure is not None:
        item["workbench:casualtyFigure"] = claim.casualty_figure
    item["appearance"] = appearances
    review = {
        "@type": "ClaimReview",
        "@id": f"urn:workbench:claim:{context.project_slug}:{claim.id}",
        "claimReviewed": claim.text,
    }
    if claim.verdict_date:
        review["datePublished"] = claim.verdict_date
    review.update(
        {
            "author": {"@type": "Organization", "name": context.author},
            "reviewRating": rating,
            "itemReviewed": item,
        }
    )
    return review


def _appearance(document: GoldDocument) -> dict:
    work: dict = {"@type": "CreativeWork", "identifier": document_urn(document.sha256)}
    if document.url:
        work["url"] = document.url
    if document.title:
        work["headline"] = document.title
    if document.published_at:
        work["datePublished"] = document.published_at
    if document.source:
        publisher = {"@type": "Organization", "name": document.source}
        if document.source_domain:
            publisher["url"] = f"https://{document.source_domain}/"
        work["publisher"] = publisher
    work["workbench:evidence"] = []
    return work


def write(documents: Iterable[GoldDocument], context: ExportContext, stats: dict | None = None) -> Iterator[str]:
    claims: dict[int, ClaimRecord] = {}
    appearances: dict[int, list[dict]] = {}
    for document in documents:
        per_claim: dict[int, dict] = {}
        for link in document.claim_links:
            claim = link.claim
            if claim.verdict == "unverified":
                continue
            claims[claim.id] = claim
            work = per_claim.get(claim.id)
            if work is None:
                work = per_claim[claim.id] = _appearance(document)
                appearances.setdefault(claim.id, []).append(work)
            span = document.spans[link.span]
            work["workbench:evidence"].append(
                {
                    "workbench:stance": link.stance,
                    "workbench:quote": span.text,
                    "workbench:start": span.start,
                    "workbench:end": span.end,
                }
            )
    yield dumps({"@context": CONTEXT})[:-1] + ',\n"@graph":[\n'
    for n, claim_id in enumerate(sorted(claims)):
        yield ("" if n == 0 else ",\n") + dumps(review_object(claims[claim_id], appearances[claim_id], context))
    yield ("\n" if claims else "") + "]}\n"
    if stats is not None:
        stats["claim_reviews"] = len(claims)
