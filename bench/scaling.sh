#!/usr/bin/env bash
# How the cost of eksgrant grows with the spec: validate, generate into an
# empty directory on tmpfs (so the disk does not hide the CPU) and a no-op
# regeneration, on bench/spec.py's spec at several sizes, each the median of
# RUNS runs, with each size's time per workload against the smallest's.
#
#   bench/scaling.sh [--dense] [RUNS] [WORKLOADS...]   # default: 3 runs of 1000 10000 30000
#
# --dense: bench/spec.py's spec shaped like an organisation's, warnings
# included (the warnings column counts them).
#
# Linear means a constant time per workload: 10x the spec, at most 11x the
# time.
set -euo pipefail
dense=""
if [ "${1:-}" = --dense ]; then dense=--dense; shift; fi
runs=${1:-3}
shift || true
sizes=("${@:-1000}")
[ $# -gt 0 ] || sizes=(1000 10000 30000)
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /dev/shm/eksgrant-scaling.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The binary as released: cargo's `dist` profile (thin LTO), which the
# release workflow builds.
bin=${EKSGRANT_BIN:-$root/target/dist/eksgrant}
[ -n "${EKSGRANT_BIN:-}" ] || cargo build --profile dist --quiet --manifest-path "$root/Cargo.toml"

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
seconds() { /usr/bin/time -f "%e" "$@" 2>&1 >/dev/null | tail -1; }

printf '| workloads | warnings | files | validate | generate (tmpfs) | no-op | per workload vs %s |\n' "${sizes[0]}"
printf '| --- | --- | --- | --- | --- | --- | --- |\n'
first=""
for size in "${sizes[@]}"; do
  spec="$work/$size.toml"
  python3 "$root/bench/spec.py" "$size" $dense > "$spec"
  warnings=$("$bin" validate --format json "$spec" 2>/dev/null | grep -c '"code":' || true)
  v=(); g=(); n=()
  for _ in $(seq 1 "$runs"); do
    rm -rf "$work/out"
    v+=("$(seconds "$bin" -q validate "$spec")")
    g+=("$(seconds "$bin" -q generate "$spec" --out "$work/out")")
    n+=("$(seconds "$bin" -q generate "$spec" --out "$work/out")")
  done
  files=$(find "$work/out" -type f | wc -l)
  mv=$(printf '%s\n' "${v[@]}" | median)
  mg=$(printf '%s\n' "${g[@]}" | median)
  mn=$(printf '%s\n' "${n[@]}" | median)
  per=$(awk -v t="$mg" -v w="$size" 'BEGIN { print t / w }')
  [ -n "$first" ] || first=$per
  printf '| %s | %s | %s | %s s | %s s | %s s | %s |\n' "$size" "$warnings" "$files" "$mv" "$mg" "$mn" \
    "$(awk -v a="$per" -v b="$first" 'BEGIN { printf "%.2fx", a / b }')"
done
