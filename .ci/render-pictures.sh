#!/usr/bin/env bash
# .ci/render-pictures.sh EKSGRANT OUT_DIR SPEC...
#
# Draws every picture `eksgrant explain SPEC --format mermaid` makes (a
# picture per cluster, one of AWS identities) with Mermaid's own renderer,
# mermaid-cli, in headless Chromium: the way to look at them as GitHub shows
# them in ACCESS.md. For each SPEC it writes OUT_DIR/<spec name>/:
#
#   pictures.md         explain's Markdown
#   <picture>.png       each drawn picture, named by its heading
#                       (cluster-platform.png, aws-identities.png)
#
# and prints each PNG's path and size. Chromium comes from Debian's packages
# (installed when missing); mermaid-cli and the pinned Mermaid from the npm
# registry, once, into a directory outside the repo named by their versions,
# with puppeteer's own browser download skipped.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 EKSGRANT OUT_DIR SPEC..." >&2; exit 2; }
bin=$1 out=$2
shift 2

packages=(@mermaid-js/mermaid-cli@11.17.0 mermaid@11.17.2 puppeteer@24.43.1)
tools="$HOME/.cache/eksgrant-mermaid-render/$(IFS=+; echo "${packages[*]}")"
if [ ! -e "$tools/.installed" ]; then
  PUPPETEER_SKIP_DOWNLOAD=1 npm install -s --no-audit --no-fund --prefix "$tools" "${packages[@]}"
  touch "$tools/.installed"
fi
if ! command -v chromium > /dev/null; then
  bash "$(dirname "$0")/debian-install.sh" chromium
fi
# Chromium runs as root here (CI's containers), which it allows only
# without its sandbox.
config=$(mktemp)
trap 'rm -f "$config"' EXIT
printf '{"executablePath": "%s", "args": ["--no-sandbox", "--disable-gpu"]}\n' \
  "$(command -v chromium)" > "$config"

for spec in "$@"; do
  dir="$out/$(basename "$spec" .toml)"
  mkdir -p "$dir"
  # The pictures of an earlier run, which this one may no longer draw.
  rm -f "$dir"/*.png
  # (its warnings are the spec's, for validate to show: printed only if it fails)
  if ! "$bin" -q explain "$spec" --format mermaid > "$dir/pictures.md" 2> "$dir/explain.err"; then
    cat "$dir/explain.err" >&2
    rm -f "$dir/explain.err"
    exit 1
  fi
  rm "$dir/explain.err"
  # mermaid-cli writes the Nth ```mermaid block of a Markdown file to
  # rendered-N.png; a picture too large to draw has a paragraph instead.
  drawn=$(awk '/^## / { heading = substr($0, 4) } /^```mermaid$/ { print heading }' "$dir/pictures.md")
  [ -n "$drawn" ] || continue
  "$tools/node_modules/.bin/mmdc" -q -p "$config" -b white \
    -i "$dir/pictures.md" -o "$dir/rendered.md" -e png
  n=0
  while read -r heading; do
    n=$((n + 1))
    png="$dir/$(printf '%s' "$heading" | tr '[:upper:] ' '[:lower:]-').png"
    mv "$dir/rendered-$n.png" "$png"
    echo "$png: $(bash "$(dirname "$0")/png-size.sh" "$png")"
  done <<< "$drawn"
  rm -f "$dir/rendered.md"
done
