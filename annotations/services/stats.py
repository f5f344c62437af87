"""Token and character statistics of documents (the work of a background job)."""

from __future__ import annotations

import unicodedata
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
    return {
        "char_count": len(text),
        "token_count": len(tokens),
        "word_count": sum(1 for token in tokens if any(char.isalnum() for char in token.text)),
        "arabic_letter_count": sum(1 for char in text if _is_arabic_letter(char)),
        "sentence_count": len(groups),
        "diacritic_count": sum(1 for char in text if unicodedata.combining(char)),
        "tokens": pack_sentences(groups),
    }


def document_stats_compute(*, document_ids: Iterable[int]) -> int:
    """(Re)computes the statistics of these documents; idempotent. Returns how many were computed."""
    count = 0
    for document in Document.objects.filter(pk__in=list(document_ids)).only("id", "text").iterator(chunk_size=200):
        DocumentStats.objects.update_or_create(document=document, defaults=text_stats(document.text))
        count += 1
    return count
