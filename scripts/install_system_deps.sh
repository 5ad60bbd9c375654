#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium (browser tests), Noto CJK fonts (Chinese in
# screenshots and charts), LibreOffice Calc (recalculating exported workbooks).
# Installs only what is missing. Where CI is set, failing to install is an error.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
if ! (command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -qi "noto"); then
  missing+=(fonts-noto-cjk)
fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "system-deps: chromium, libreoffice and CJK fonts present"
  exit 0
fi
echo "system-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "system-deps: not root and no sudo; cannot install ${missing[*]}" >&2
    if [ -n "${CI:-}" ]; then exit 1; fi
    echo "system-deps: continuing; browser/LibreOffice tests will be skipped outside CI" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system-deps: installed ${missing[*]}"
