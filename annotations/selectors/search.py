"""Word search in a project's articles and claims: every query word, in any order, ignoring Arabic spelling
variants and the proclitics و ف ب ك ل ال (annotations.text.words); ranked by relevance."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Expression,
    ExpressionWrapper,
    Func,
    IntegerField,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Length

from annotations.access import sees_all_work
from annotations.models import Document, Membership
from annotations.text.words import query_words, word_matches

SNIPPET_CONTEXT = 60  # code points on each side of a match
MAX_SNIPPETS = 3


@dataclass(frozen=True)
class Snippet:
    before: str
    match: str
    after: str


class _Lexemes(Expression):
    """The `search_lexemes` column of the queryset's table: PostgreSQL's alone (migration 0018), unknown
    to the model, so named here with the table's alias in the query."""

    output_field = TextField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.{connection.ops.quote_name('search_lexemes')}", []


def lexeme_query(words: list[str]) -> str:
    """The tsquery asking for every word as a prefix, or the lexeme `!` that migration 0018 gives the
    documents it cannot index word by word."""
    quoted = " & ".join("'{}':*".format(word.replace("\\", "\\\\").replace("'", "''")) for word in words)
    return f"({quoted}) | '!'"


def words_filter(queryset: QuerySet, query: str, field: str = "search_words", *, lexemes: bool = False) -> QuerySet:
    """Rows whose words contain every query word (as a word start), most relevant first.

    Relevance: more query words that are whole words of the row (not only the start of one), then the
    shorter row (the words are a larger part of it). Each word is a LIKE. On PostgreSQL, with `lexemes`
    (documents), the GIN index of `search_lexemes` (migration 0018) finds the candidates and the LIKEs
    recheck them;
    otherwise the trigram index of migration 0010 answers the LIKEs (claims). SQLite scans. An empty
    query (no words) matches nothing."""
    words = query_words(query)
    if not words:
        return queryset.none()
    if lexemes and connection.vendor == "postgresql":
        asked = Func(Value(lexeme_query(words)), template="%(expressions)s::tsquery", output_field=TextField())
        queryset = queryset.filter(
            Func(_Lexemes(), asked, template="%(expressions)s", arg_joiner=" @@ ", output_field=BooleanField())
        )
    for word in words:
        queryset = queryset.filter(**{f"{field}__contains": f" {word}"})
    exact = sum(
        (Case(When(**{f"{field}__contains": f" {word} "}, then=Value(1)), default=Value(0)) for word in words),
        Value(0),
    )
    return queryset.annotate(search_exact=_as_int(exact), search_length=Length(field)).order_by(
        "-search_exact", "search_length", "-id"
    )


def _as_int(expression):
    return ExpressionWrapper(expression, output_field=IntegerField())


def documents_matching(membership: Membership, query: str) -> QuerySet[Document]:
    """Documents that contain every query word. Reviewers search only what they were given."""
    documents = Document.objects.filter(project_id=membership.project_id).select_related("source")
    if not sees_all_work(membership):
        documents = documents.filter(assignments__reviewer_id=membership.user_id)
    return words_filter(documents, query.strip(), lexemes=True)


def snippets(text: str, query: str) -> tuple[int, list[Snippet]]:
    """How many words of `text` the query finds, and the first few in context (the word marked)."""
    matches = word_matches(text, query.strip())
    result = []
    for start, end in matches[:MAX_SNIPPETS]:
        before = text[max(0, start - SNIPPET_CONTEXT) : start]
        after = text[end : end + SNIPPET_CONTEXT]
        result.append(
            Snippet(
                ("…" if start > SNIPPET_CONTEXT else "") + before,
                text[start:end],
                after + ("…" if end + SNIPPET_CONTEXT < len(text) else ""),
            )
        )
    return len(matches), result
