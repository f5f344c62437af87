"""Pure-Python Arabic text utilities: normalisation, tokens, offsets, clitics, snapping, search words.

No Django, and no third-party package but ``regex`` (UAX #29 grapheme clusters), so the same rules
can run in workers, tests and scripts.  All offsets are Unicode code points into NFC text.
"""

from .clitics import clitic_cuts, enclitic_starts, proclitic_ends, search_stem
from .normalize import find_all, fold_for_search, fold_with_offsets, map_span_back, to_nfc
from .offsets import (
    boundary_error,
    codepoint_offsets_table,
    codepoint_to_utf16,
    utf16_length,
    utf16_offsets_table,
    utf16_to_codepoint,
    validate_span,
)
from .snap import snap_to_clusters, snap_to_words
from .tokens import Token, is_word_token, sentences, tokenize, tokenize_sentences

__all__ = [
    "Token",
    "clitic_cuts",
    "enclitic_starts",
    "proclitic_ends",
    "search_stem",
    "boundary_error",
    "codepoint_offsets_table",
    "codepoint_to_utf16",
    "find_all",
    "fold_for_search",
    "fold_with_offsets",
    "is_word_token",
    "map_span_back",
    "sentences",
    "snap_to_clusters",
    "snap_to_words",
    "to_nfc",
    "tokenize",
    "tokenize_sentences",
    "utf16_length",
    "utf16_offsets_table",
    "utf16_to_codepoint",
    "validate_span",
]
