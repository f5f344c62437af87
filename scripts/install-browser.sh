#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (Playwright cannot download its own here) with an Arabic font;
# Debian's gettext compiles the translation catalogs (scripts/messages.sh --compile).
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list :lang=ar 2>/dev/null | grep -qi "noto" && command -v msgfmt >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "Browser tests need Debian's chromium, fonts-noto-core and gettext: sudo apt-get install -y --no-install-recommends chromium fonts-noto-core gettext" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium fonts-noto-core gettext >/dev/null
