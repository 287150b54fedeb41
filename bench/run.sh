#!/usr/bin/env bash
# Speed and memory of `eksgrant generate` at organisation scale, each figure
# beside a reference that bounds it from below, as a ratio.
#
#   bench/run.sh [--dense] [WORKLOADS] [RUNS] [LAYOUT]
#   EKSGRANT_BIN=path/to/eksgrant bench/run.sh ...   # another build, as it is
#
# Builds the binary as released and writes bench/spec.py's spec of WORKLOADS
# workloads (default 10000) on WORKLOADS/100 clusters. The clean spec (the
# default) has three principals per cluster: every workload has a preset, a
# statement of its own and a grant on the next cluster, so every path
# renders; a tenth use IRSA; it has no warnings. --dense writes the spec
# shaped like an organisation's, with its warnings (a fifth of the workloads
# read Secrets, CI roles patch deployments where ServiceAccounts have AWS
# identities, ...; bench/spec.py says what). Then, each figure the median of
# RUNS (default 5) runs, eksgrant and its reference alternating:
#
#   validate      (--dense) validate  vs  validate of the same spec with every warning acknowledged
#   cold (disk)   generate into an empty directory on disk  vs  cp -r of the tree
#   cold (tmpfs)  the same under /dev/shm                   vs  cp -r there
#   no-op         generate into an up-to-date tree          vs  sha256sum of every file
#   memory        peak RSS of the cold run                  vs  the tree's size
#
# and how many files a no-op run and a one-workload change rewrite (by the
# summary line eksgrant prints). The reference of a cold run copies a tree
# eksgrant wrote, from the page cache, without flushing it; eksgrant flushes
# what it wrote before recording it in the manifest.
set -euo pipefail
dense=""
if [ "${1:-}" = --dense ]; then dense=--dense; shift; fi
workloads=${1:-10000}
runs=${2:-5}
layout=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
disk=$(mktemp -d "${TMPDIR:-/tmp}/eksgrant-bench.XXXXXX")
shm=$(mktemp -d /dev/shm/eksgrant-bench.XXXXXX)
trap 'rm -rf "$disk" "$shm"' EXIT

# EKSGRANT_BIN: measure another build (an older commit's, to compare).
# The binary as released: cargo's `dist` profile (thin LTO), which the
# release workflow builds.
bin=${EKSGRANT_BIN:-$root/target/dist/eksgrant}
[ -n "${EKSGRANT_BIN:-}" ] || cargo build --profile dist --quiet --manifest-path "$root/Cargo.toml"

spec="$disk/eksgrant.toml"
python3 "$root/bench/spec.py" "$workloads" $layout $dense > "$spec"
if [ -n "$dense" ]; then
  quiet="$disk/acknowledged.toml"
  python3 "$root/bench/spec.py" "$workloads" $layout --dense --acknowledged > "$quiet"
fi

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
# Wall seconds and peak RSS (KiB) of a command, started once the writes of
# the runs before it are on disk (a `cp -r` leaves 59 MB for the kernel to
# write back, which would otherwise take a core from the next run).
timed() { sync; /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }

"$bin" -q generate "$spec" --out "$disk/reference" 2>/dev/null
files=$(find "$disk/reference" -type f | wc -l)
bytes=$(find "$disk/reference" -type f -printf '%s\n' | awk '{ n += $1 } END { print n }')
warnings=$("$bin" validate --format json "$spec" 2>/dev/null | grep -c '"code":' || true)
echo "spec${dense:+ (dense)}: $("$bin" validate "$spec" 2>&1 | tail -1 | sed 's/.*is valid: //'), $warnings warnings${layout:+, layout $layout}; $(wc -l < "$spec") lines, $(( $(wc -c < "$spec") / 1000000 )) MB"
echo "output: $files files, $((bytes / 1000000)) MB"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%d GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"

declare -A samples
for i in $(seq 1 "$runs"); do
  if [ -n "$dense" ]; then
    read -r seconds _ < <(timed "$bin" -q validate "$spec")
    samples[validate-eksgrant]+="$seconds "
    read -r seconds _ < <(timed "$bin" -q validate "$quiet")
    samples[validate-quiet]+="$seconds "
  fi
  for where in disk shm; do
    dir=${!where}
    rm -rf "$dir/cold" "$dir/copy"
    read -r seconds kib < <(timed "$bin" -q generate "$spec" --out "$dir/cold")
    samples[$where-eksgrant]+="$seconds "
    samples[memory]+="$kib "
    read -r seconds _ < <(timed cp -r "$disk/reference" "$dir/copy")
    samples[$where-cp]+="$seconds "
  done
  read -r seconds _ < <(timed "$bin" -q generate "$spec" --out "$disk/cold")
  samples[noop-eksgrant]+="$seconds "
  read -r seconds _ < <(timed sh -c "cd '$disk/cold' && find . -type f -print0 | xargs -0 sha256sum")
  samples[noop-sha]+="$seconds "
done
m() { printf '%s\n' ${samples[$1]} | median; }

printf '\n| what | eksgrant | reference | ratio |\n| --- | --- | --- | --- |\n'
if [ -n "$dense" ]; then
  printf '| validate, %s warnings | %s s | every warning acknowledged: %s s | %s |\n' "$warnings" "$(m validate-eksgrant)" "$(m validate-quiet)" "$(ratio "$(m validate-eksgrant)" "$(m validate-quiet)")"
fi
printf '| generate into an empty directory (disk) | %s s | `cp -r`: %s s | %s |\n' "$(m disk-eksgrant)" "$(m disk-cp)" "$(ratio "$(m disk-eksgrant)" "$(m disk-cp)")"
printf '| the same on tmpfs | %s s | `cp -r`: %s s | %s |\n' "$(m shm-eksgrant)" "$(m shm-cp)" "$(ratio "$(m shm-eksgrant)" "$(m shm-cp)")"
printf '| regenerate, nothing changed | %s s | `sha256sum` of every file: %s s | %s |\n' "$(m noop-eksgrant)" "$(m noop-sha)" "$(ratio "$(m noop-eksgrant)" "$(m noop-sha)")"
peak=$(m memory)
printf '| peak memory | %s MB | output size: %s MB | %s |\n' "$((peak / 1000))" "$((bytes / 1000000))" "$(ratio "$((peak * 1024))" "$bytes")"

# What a no-op run and a one-workload change rewrite.
# (the summary line: a change is followed by the line on whose access it touches)
noop=$("$bin" generate "$spec" --out "$disk/cold" 2>&1 | grep ' unchanged$')
sed -i 's|resources = \["arn:aws:s3:::bucket-0/\*"\]|resources = ["arn:aws:s3:::bucket-0/x/*"]|' "$spec"
change=$("$bin" generate "$spec" --out "$disk/cold" 2>&1 | grep ' unchanged$')
echo
echo "no-op run:           ${noop#*: }"
echo "one workload changed: ${change#*: }"

# Resources per Terraform root: the roots are the directories holding .tf files.
echo
echo "resources per Terraform root:"
find "$disk/reference" -name '*.tf' -printf '%h\n' | sort -u | while read -r dir; do
  printf '  %-40s %6d\n' "${dir#"$disk/reference/"}" "$(cat "$dir"/*.tf | grep -c '^resource "')"
done | sort -k2 -n -r | head -5
echo "  ($(find "$disk/reference" -name '*.tf' -printf '%h\n' | sort -u | wc -l) roots in all; the largest above)"
