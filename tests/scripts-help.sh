#!/usr/bin/env bash
# Every script a person runs (scripts/*, packaging/install-deps) answers -h and --help with its
# usage line and does nothing else: installing packages or starting a build would not end within
# the few seconds allowed here.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
status=0
for script in scripts/* packaging/install-deps; do
  for flag in --help -h; do
    if ! out=$(timeout 10 "$script" "$flag" 2>&1); then
      printf '%s %s failed:\n%s\n' "$script" "$flag" "$out"
      status=1
    elif ! grep -q "^  $script" <<<"$out"; then
      printf '%s %s shows no usage line ("  %s ..."):\n%s\n' "$script" "$flag" "$script" "$out"
      status=1
    fi
  done
done
exit "$status"
