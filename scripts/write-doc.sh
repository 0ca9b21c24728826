#!/usr/bin/env bash
# Puts its standard input into FILE between the lines `<!-- NAME:begin -->`
# and `<!-- NAME:end -->`, replacing what was there: how each measuring
# script keeps its docs/*.md table current (their --write-docs option).
# With --run, runs SCRIPT ARGS... (output shown as usual), writes its output
# into FILE and exits with the script's status.
# Usage: scripts/write-doc.sh FILE NAME <NEW-CONTENT
#        scripts/write-doc.sh --run FILE NAME SCRIPT [ARGS...]
set -euo pipefail
if [ "$1" = --run ]; then
  shift
  file=$1 name=$2
  shift 2
  out=$(mktemp)
  trap 'rm -f "$out"' EXIT
  status=0
  bash "$@" | tee "$out" || status=$?
  bash "$0" "$file" "$name" <"$out"
  exit $status
fi
file=$1 name=$2
grep -qx "<!-- $name:begin -->" "$file" && grep -qx "<!-- $name:end -->" "$file" ||
  { echo "error: $file lacks the $name markers" >&2; exit 1; }
new=$(mktemp)
trap 'rm -f "$new" "$new.out"' EXIT
cat >"$new"
awk -v f="$new" -v b="<!-- $name:begin -->" -v e="<!-- $name:end -->" '
  $0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
  $0 == e { skip = 0 }
  !skip' "$file" >"$new.out"
cat "$new.out" >"$file"
echo "$file: $name updated"
