"""PostgreSQL: document word search through a GIN index of the words themselves instead of their trigrams.

A query word matches a document when it starts one of the document's words (annotations.text.words).
Migration 0010 answered that with a trigram index on `search_words`. Here the distinct words are kept
as tsvector lexemes in a column `search_lexemes` that only PostgreSQL knows (a trigger fills it when a
row is inserted or its `search_words` written; the model never reads it) with a GIN index, and a query
asks for each word as a prefix (`'word':*`); the `LIKE '% word%'` of selectors/search.py then rechecks
the rows found, so the results are the same. A 900-character article has about 100 distinct words but
450 distinct trigrams: the index costs an import about 100 µs less database time per article
(bench/import_bench.py). A stored column rather than an index on the expression: a search that matches
most of a project is answered by a scan, which then reads the lexemes instead of computing them per row.

tsvector has limits a text can pass (a lexeme under 2,048 bytes, all of them under 1 MB): a words column
with a word of 200 or more characters, or of 1,000,000 bytes or more, is stored as the single lexeme `!`
(never a word), which every query also asks for, so such a document is always a candidate and the LIKE
decides. Claims keep their trigram index (they are written one at a time). SQLite has none of this:
LIKE scans.
"""

from django.db import migrations, transaction

STATEMENTS = [
    """
    CREATE OR REPLACE FUNCTION annotations_search_lexemes(words text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE
            WHEN octet_length(words) < 1000000 AND words !~ '[^ ]{200}'
            THEN array_to_tsvector(array_remove(string_to_array(btrim(words), ' '), ''))
            ELSE '!'::tsvector
        END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION annotations_document_search_lexemes() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_lexemes := annotations_search_lexemes(NEW.search_words);
        RETURN NEW;
    END
    $$
    """,
    "ALTER TABLE annotations_document ADD COLUMN IF NOT EXISTS search_lexemes tsvector",
    "UPDATE annotations_document SET search_lexemes = annotations_search_lexemes(search_words)",
    "CREATE OR REPLACE TRIGGER document_search_lexemes BEFORE INSERT OR UPDATE OF search_words ON annotations_document "
    "FOR EACH ROW EXECUTE FUNCTION annotations_document_search_lexemes()",
    "CREATE INDEX IF NOT EXISTS document_search_lexemes ON annotations_document USING gin (search_lexemes)",
    "DROP INDEX IF EXISTS document_search_words_trgm",
]

REVERSE = [
    "ALTER TABLE annotations_document ALTER COLUMN text SET COMPRESSION DEFAULT, "
    "ALTER COLUMN search_text SET COMPRESSION DEFAULT, ALTER COLUMN search_words SET COMPRESSION DEFAULT",
    "DROP INDEX IF EXISTS document_search_lexemes",
    "DROP TRIGGER IF EXISTS document_search_lexemes ON annotations_document",
    "ALTER TABLE annotations_document DROP COLUMN IF EXISTS search_lexemes",
    "DROP FUNCTION IF EXISTS annotations_document_search_lexemes()",
    "DROP FUNCTION IF EXISTS annotations_search_lexemes(text)",
]


# lz4 instead of pglz for the long text columns written on import (and read by exports): about 15 µs less
# database time per imported article. New rows only; a server built without lz4 keeps pglz.
LZ4 = (
    "ALTER TABLE annotations_document ALTER COLUMN text SET COMPRESSION lz4, "
    "ALTER COLUMN search_text SET COMPRESSION lz4, ALTER COLUMN search_words SET COMPRESSION lz4"
)


def lexemes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in STATEMENTS:
        schema_editor.execute(statement)
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(LZ4)
    except Exception as exc:  # noqa: BLE001 - no lz4 in this server: pglz, as before
        print(f"\n  lz4 unavailable, document texts stay compressed with pglz: {exc}")


def trigrams(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in REVERSE:
        schema_editor.execute(statement)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        has_trgm = cursor.fetchone() is not None
    if has_trgm:
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS document_search_words_trgm "
            "ON annotations_document USING gin (search_words gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0017_agreement_pieces"),
    ]

    operations = [
        migrations.RunPython(lexemes, trigrams),
    ]
