#!/usr/bin/env bash
# .ci/png-size.sh FILE.png: prints the PNG's WIDTHxHEIGHT, from its IHDR
# chunk (bytes 16 to 23, big-endian), with nothing beyond coreutils; fails
# on a file that does not start with PNG's signature.
set -euo pipefail
signature=$(od -An -tx1 -N8 "$1" | tr -d ' \n')
[ "$signature" = 89504e470d0a1a0a ] || { echo "$1 is not a PNG" >&2; exit 1; }
read -r width height < <(od -An -tu1 -j16 -N8 "$1" |
  awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4, $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }')
echo "${width}x${height}"
