#!/usr/bin/env bash
# Translation workflow. Collects every marked string into the Arabic catalogs, sorted, keeping
# existing translations; then compiles them. Edit annotations/locale/ar/LC_MESSAGES/*.po (msgstr)
# after running this, and run it again to check: it prints how many strings still lack Arabic.
#   scripts/messages.sh            update django.po and djangojs.po, compile, report untranslated
#   scripts/messages.sh --compile  only compile the .po files into .mo (run.sh and test.sh do this)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
command -v msgfmt >/dev/null || { echo "gettext tools missing: apt-get install -y --no-install-recommends gettext" >&2; exit 1; }
if [ "${1:-}" != "--compile" ]; then
  IGNORE=(--ignore=.venv --ignore=tests --ignore=bench --ignore=var --ignore=deploy --ignore="annotations/static/annotations/vendor/*"
          --ignore=test-artifacts --ignore="staticfiles/*")
  $PY manage.py makemessages -l ar --no-obsolete --no-wrap --add-location=never "${IGNORE[@]}"
  $PY manage.py makemessages -d djangojs -l ar --no-obsolete --no-wrap --add-location=never "${IGNORE[@]}"
fi
$PY manage.py compilemessages -l ar --ignore=.venv -v0
for po in annotations/locale/ar/LC_MESSAGES/*.po; do
  # untranslated, and fuzzy (msgmerge's guesses from a similar string: check them, then drop "#, fuzzy")
  missing=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid "' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid "' || true)
  [ "$missing" -gt 1 ] && echo "$po: $((missing - 1)) strings still without Arabic" >&2 || true
  [ "$fuzzy" -gt 1 ] && echo "$po: $((fuzzy - 1)) fuzzy guesses to check" >&2 || true
done
