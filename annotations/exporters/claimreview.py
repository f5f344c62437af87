"""schema.org ClaimReview (JSON-LD): one review per claim that has a verdict and gold evidence.

The file is one JSON object, {"@context": [...], "@graph": [ClaimReview, …]}, one review per line,
claims in id order. A claim is reviewed when its verdict is not "unverified" and a gold claim link of an
exported document points at it. Each review carries every property Google's ClaimReview documentation
(developers.google.com/search/docs/appearance/structured-data/factcheck) marks required or
recommended::

    {"@type": "ClaimReview",
     "@id": "urn:workbench:claim:<project>:<claim id>",
     "url": <public base URL>/claims/<claim id>/          the claim's page on this workbench (required)
     "claimReviewed": <claim text>,                                                           (required)
     "datePublished": <date of the change that set the current verdict>                    (recommended)
     "author": {"@type": "Organization", "name": <organization>, "url": <its URL>}          (recommended)
     "reviewRating": {"@type": "Rating", "ratingValue", "bestRating": 3, "worstRating": 1,    (required)
                      "alternateName": <verdict>, "name": <verdict in words>, "ratingExplanation"?},
     "itemReviewed": {"@type": "Claim",                                                    (recommended)
                      "author": the outlet of the first appearance (Organization with name, url),
                      "datePublished": the first appearance's publication date,
                      "firstAppearance": that CreativeWork, "appearance": [every CreativeWork with gold
                      evidence: url, headline, datePublished, publisher (Organization, the outlet),
                      identifier (urn:workbench:document:<sha256>), "workbench:evidence": [{stance,
                      quote, start, end}]], plus temporalCoverage, spatialCoverage, about when known}}

Rating scale (ours; schema.org and Google leave it to the publisher): refuted 1, mixed 2, supported 3
on worstRating 1 … bestRating 3; "unverifiable" is 2, the middle of the scale (neither shown true nor
shown false), told apart from "mixed" by alternateName "unverifiable" and name "Unverifiable".
alternateName is always the workbench verdict; name is RATING_NAMES[verdict].

The first appearance is the article with gold evidence published earliest (undated articles last, then
the lowest document id). datePublished is data, not export time: the date of the latest
ClaimVerdictChange that set the verdict (omitted only when the verdict was never changed, which the
workbench does not do), so exporting the same gold twice gives the same bytes. Reviews are built after
all documents are read (one small entry per gold link is kept in memory, not the documents).
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
RATING = {"refuted": 1, "mixed": 2, "unverifiable": 2, "supported": 3}
RATING_NAMES = {"refuted": "False", "mixed": "Mixed", "unverifiable": "Unverifiable", "supported": "True"}
BEST, WORST = 3, 1
NOTES = (
    "One JSON-LD object whose `@graph` lists a schema.org ClaimReview per claim with a verdict (not "
    "`unverified`) and gold evidence: `claimReviewed`, `reviewRating` (alternateName = verdict; ratingValue "
    "refuted 1, mixed 2, unverifiable 2, supported 3 on worstRating 1 … bestRating 3; name False, Mixed, "
    "Unverifiable, True), `url` the claim's page on the workbench, `itemReviewed` a Claim with `author` (the "
    "outlet that published it first), `datePublished`, `firstAppearance` and `appearance` (the articles, as "
    "CreativeWork with url, headline and publisher, with the evidence quotes and stances), `author` the "
    "organization with its `url`, `datePublished` the date the verdict was set."
)


def _first(appearances: list[dict]) -> dict:
    return min(appearances, key=lambda work: (work.get("datePublished") is None, work.get("datePublished") or ""))


def review_object(claim: ClaimRecord, appearances: list[dict], context: ExportContext) -> dict:
    rating = {
        "@type": "Rating",
        "ratingValue": RATING[claim.verdict],
        "bestRating": BEST,
        "worstRating": WORST,
        "alternateName": claim.verdict,
        "name": RATING_NAMES[claim.verdict],
    }
    if claim.rationale:
        rating["ratingExplanation"] = claim.rationale
    first = _first(appearances)  # appearances are in document id order; min keeps the first of equals
    item: dict = {"@type": "Claim"}
    if "publisher" in first:
        item["author"] = first["publisher"]
    if "datePublished" in first:
        item["datePublished"] = first["datePublished"]
    item["firstAppearance"] = first
    item["appearance"] = appearances
    if claim.event_date:
        item["temporalCoverage"] = claim.event_date
    if claim.place:
        item["spatialCoverage"] = {"@type": "Place", "name": claim.place}
    if claim.actor:
        item["about"] = {"@type": "Thing", "name": claim.actor}
    if claim.casualty_figure is not None:
        item["workbench:casualtyFigure"] = claim.casualty_figure
    review = {"@type": "ClaimReview", "@id": f"urn:workbench:claim:{context.project_slug}:{claim.id}"}
    if context.public_base_url:
        review["url"] = f"{context.public_base_url}/claims/{claim.id}/"
    review["claimReviewed"] = claim.text
    if claim.verdict_date:
        review["datePublished"] = claim.verdict_date
    author = {"@type": "Organization", "name": context.author}
    if context.author_url:
        author["url"] = context.author_url
    review.update({"author": author, "reviewRating": rating, "itemReviewed": item})
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
            if claim.verdict not in RATING:  # "unverified": nothing to review yet
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
