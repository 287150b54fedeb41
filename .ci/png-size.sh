#!/usr/bin/env bash
# .ci/png-size.sh FILE.png: prints the PNG's WIDTHxHEIGHT, from its IHDR
# chunk (bytes 16 to 23, big-endian), with nothing beyond coreutils.
set -euo pipefail
read -r width height < <(od -An -tu1 -j16 -N8 "$1" |
  awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4, $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }')
echo "${width}x${height}"
