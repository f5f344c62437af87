"""Offset conversion and span validation.

Stored offsets are Unicode code points (Python ``str`` indices) into NFC text.
Browsers count UTF-16 code units, so every offset crossing the API boundary
goes through here; characters outside the BMP (emoji) are two units but one
code point, which is exactly where naive conversions drift.
"""

from .chars import cluster_break_kind


def gettext_noop(template: str) -> str:
    """Marks a message for the Arabic catalog (Django's makemessages extracts `gettext_noop`); this module
    stays free of Django, so the caller translates (annotations.models.validation)."""
    return template


class Message(str):
    """A refusal in English that also carries its template and values, for a caller to translate."""

    template: str
    values: dict

    def __new__(cls, template: str, **values) -> "Message":
        message = super().__new__(cls, template.format(**values) if values else template)
        message.template, message.values = template, values
        return message


def _check_index(value, name: str) -> None:
    # bool is an int subclass; True as an offset is always a bug upstream.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")


def _utf16_width(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (JavaScript's ``string.length``)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def codepoint_to_utf16(text: str, cp_offset: int) -> int:
    """UTF-16 offset of code point offset ``cp_offset`` (0..len(text))."""
    _check_index(cp_offset, "cp_offset")
    if not 0 <= cp_offset <= len(text):
        raise ValueError(f"code point offset {cp_offset} is outside 0..{len(text)}")
    return cp_offset + sum(1 for ch in text[:cp_offset] if ord(ch) > 0xFFFF)


def utf16_to_codepoint(text: str, utf16_offset: int) -> int:
    """Code point offset of a UTF-16 offset; ValueError inside a surrogate pair or out of range."""
    _check_index(utf16_offset, "utf16_offset")
    if utf16_offset < 0:
        raise ValueError(f"UTF-16 offset {utf16_offset} is negative")
    units = 0
    for cp, ch in enumerate(text):
        if units == utf16_offset:
            return cp
        units += _utf16_width(ch)
        if units > utf16_offset:
            raise ValueError(
                f"UTF-16 offset {utf16_offset} falls inside the surrogate pair of U+{ord(ch):04X} (code point {cp})"
            )
    if units == utf16_offset:
        return len(text)
    raise ValueError(f"UTF-16 offset {utf16_offset} is outside 0..{units}")


def utf16_offsets_table(text: str) -> list[int]:
    """table[cp] = UTF-16 offset of code point offset cp, for cp in 0..len(text)."""
    table = [0] * (len(text) + 1)
    units = 0
    for cp, ch in enumerate(text):
        table[cp] = units
        units += _utf16_width(ch)
    table[len(text)] = units
    return table


def codepoint_offsets_table(text: str) -> list[int | None]:
    """table[u] = code point offset of UTF-16 offset u, or None inside a surrogate pair."""
    table: list[int | None] = []
    for cp, ch in enumerate(text):
        table.append(cp)
        if ord(ch) > 0xFFFF:
            table.append(None)
    table.append(len(text))
    return table


_BOUNDARY_MESSAGES = {
    "mark": gettext_noop("Span boundary falls inside a character: a combining mark ({cp}) follows it."),
    "variation_selector": gettext_noop(
        "Span boundary falls inside a character: a variation selector ({cp}) follows it."
    ),
    "skin_tone": gettext_noop("Span boundary falls inside an emoji: a skin-tone modifier ({cp}) follows it."),
    "tag": gettext_noop("Span boundary falls inside an emoji flag: a tag character ({cp}) follows it."),
    "zwj": gettext_noop("Span boundary falls inside an emoji sequence joined by a zero-width joiner (U+200D)."),
    "regional_indicator": gettext_noop(
        "Span boundary falls inside a flag: it would split the regional indicator pair ({pair})."
    ),
    "joiner": gettext_noop("Span boundary falls inside a character: a zero-width non-joiner ({cp}) attaches to it."),
    "cluster": gettext_noop("Span boundary falls inside a character: {cp} belongs to the character before it."),
}


def _u(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def boundary_error(text: str, index: int) -> str | None:
    """A readable message if a span boundary at ``index`` would split a character, else None.

    A boundary must be a grapheme cluster boundary (UAX #29, ``chars.cluster_break_kind``):
    it may not sit before a combining mark, variation selector, skin-tone modifier, tag or
    joiner that attaches to the previous character, inside an emoji ZWJ sequence, or
    between the two regional indicators of a flag.
    """
    _check_index(index, "index")
    if not 0 <= index <= len(text):
        raise ValueError(f"index {index} is outside 0..{len(text)}")
    kind = cluster_break_kind(text, index)
    if kind is None:
        return None
    ch = text[index]
    pair = f"{_u(text[index - 1])} {_u(ch)}"
    return Message(_BOUNDARY_MESSAGES[kind], cp=_u(ch), pair=pair)


def validate_span(text: str, start, end) -> dict[str, str]:
    """Field errors ('start'/'end' keys) for a span [start, end) over ``text``; {} when valid."""
    errors: dict[str, str] = {}
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = Message(gettext_noop("{name} must be an integer."), name=name)
    if errors:
        return errors
    length = len(text)
    if start < 0:
        errors["start"] = Message(gettext_noop("Ensure start ≥ 0."))
    elif start > length:
        errors["start"] = Message(gettext_noop("Ensure start ≤ {length} (the document length)."), length=length)
    if end > length:
        errors["end"] = Message(gettext_noop("Ensure end ≤ {length} (the document length)."), length=length)
    if errors:
        return errors
    if start >= end:
        errors["end"] = Message(gettext_noop("start must be less than end."))
        return errors
    for name, value in (("start", start), ("end", end)):
        message = boundary_error(text, value)
        if message:
            errors[name] = message
    return errors
