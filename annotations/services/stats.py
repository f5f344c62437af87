"""Token and character statistics of documents (the work of a background job)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

from annotations.models import Document, DocumentStats
from annotations.text.tokens import pack_sentences, tokenize_sentences


def _is_arabic_letter(char: str) -> bool:
    return unicodedata.category(char) == "Lo" and (
        "\u0600" <= char <= "\u06ff" or "\u0750" <= char <= "\u077f" or "\u08a0" <= char <= "\u08ff"
    )


def text_stats(text: str) -> dict:
    """The counts, and the tokenizer's output stored for exports and agreement runs (`tokens`)."""
    groups = tokenize_sentences(text)
    tokens = [token for group in groups for token in group]
    # Counted over the distinct characters and token texts (a few hundred), not every occurrence.
    characters = Counter(text)
    token_texts = Counter(token.text for token in tokens)
    return {
        "char_count": len(text),
        "token_count": len(tokens),
        "word_count": sum(n for word, n in token_texts.items() if any(char.isalnum() for char in word)),
        "arabic_letter_count": sum(n for char, n in characters.items() if _is_arabic_letter(char)),
        "sentence_count": len(groups),
        "diacritic_count": sum(n for char, n in characters.items() if unicodedata.combining(char)),
        "tokens": pack_sentences(groups),
    }


STATS_FIELDS = (
    "char_count",
    "token_count",
    "word_count",
    "arabic_letter_count",
    "sentence_count",
    "diacritic_count",
    "tokens",
    "computed_at",
)


def document_stats_compute(*, document_ids: Iterable[int]) -> int:
    """(Re)computes the statistics of these documents; idempotent. Returns how many were computed.
    One multi-row upsert per 200 documents."""
    count = 0
    ids = list(document_ids)
    for first in range(0, len(ids), 200):
        rows = Document.objects.filter(pk__in=ids[first : first + 200]).values_list("id", "text")
        stats = [DocumentStats(document_id=pk, **text_stats(text)) for pk, text in rows]
        DocumentStats.objects.bulk_create(
            stats, update_conflicts=True, unique_fields=["document"], update_fields=STATS_FIELDS
        )
        count += len(stats)
    return count
