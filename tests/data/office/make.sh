#!/bin/sh
# Regenerates the office-made copies of enterprises.csv the way a zone office's software
# saves them (LibreOffice Calc: apt-get install libreoffice-calc-nogui). The copies are
# committed, so the tests need no office suite.
set -eu
cd "$(dirname "$0")"
in='CSV:44,34,76,1'  # comma-separated, double quotes, UTF-8, from line 1
for target in xlsx xls ods; do
    soffice --headless --infilter="$in" --convert-to "$target" enterprises.csv >/dev/null
done
# 「Unicode 文本」: UTF-16 (65535), tab-separated (9), as Excel and Calc export it.
soffice --headless --infilter="$in" --convert-to 'txt:Text - txt - csv (StarCalc):9,34,65535' enterprises.csv >/dev/null
