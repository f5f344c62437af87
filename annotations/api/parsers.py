"""The API's JSON parser: DRF's, refusing what would otherwise fail later as a 500."""

from __future__ import annotations

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from annotations.text.inputs import MAX_JSON_DEPTH, json_problem


class SafeJSONParser(JSONParser):
    """Nesting is limited (a body nested ~1,000 deep exhausts the C decoder's recursion), and no key or
    string may hold a NUL or a lone surrogate (neither can be stored in PostgreSQL)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.") from None
        problem = json_problem(data)
        if problem:
            where, message = problem
            if not where:
                raise ParseError(f"JSON parse error - {message}.")
            raise ValidationError({where: [f"This value {message}."]})
        return data
