#!/usr/bin/env bash
# Speed and memory of `eksgrant generate` on a large synthetic spec.
#
#   bench/run.sh [CLUSTERS] [WORKLOADS_PER_CLUSTER] [RUNS]
#
# Builds the release binary, writes a spec with CLUSTERS existing clusters,
# WORKLOADS_PER_CLUSTER workloads on each (every one with a preset, a custom
# statement and a grant on the next cluster, so every code path renders) and
# one principal per cluster, then times RUNS generations into a fresh
# directory (cold: every file written) and RUNS into the same directory (warm:
# nothing changes). Prints wall seconds and peak RSS (KiB) from GNU time.
set -euo pipefail
clusters=${1:-20}
per_cluster=${2:-25}
runs=${3:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/eksgrant"
spec="$work/eksgrant.toml"

{
  printf 'version = 1\n\n[aws]\naccount_id = "111122223333"\nregion = "eu-west-2"\n\n'
  printf '[iam]\npath = "/eksgrant/"\ntags = { owner = "bench" }\n\n'
  for c in $(seq 1 "$clusters"); do printf '[clusters.c%d]\n\n' "$c"; done
  for c in $(seq 1 "$clusters"); do
    next=$(( c % clusters + 1 ))
    for w in $(seq 1 "$per_cluster"); do
      printf '[workloads.w%d-%d]\ncluster = "c%d"\nnamespace = "ns%d"\n' "$c" "$w" "$c" "$w"
      printf 'aws.presets = [{ name = "external-dns", hosted_zone_ids = ["Z0123456789ABCDEFGHIJ"] }]\n'
      printf '[[workloads.w%d-%d.aws.statements]]\nactions = ["s3:GetObject"]\nresources = ["arn:aws:s3:::bucket-%d-%d/*"]\n' "$c" "$w" "$c" "$w"
      printf '[[workloads.w%d-%d.grants]]\ncluster = "c%d"\nnamespaces = ["jobs"]\n' "$c" "$w" "$next"
      printf 'rules = [{ api_groups = [""], resources = ["pods"], verbs = ["get", "list", "create"] }]\n\n'
    done
    printf '[principals.p%d]\narn = "arn:aws:iam::111122223333:role/team-%d"\n' "$c" "$c"
    printf '[[principals.p%d.grants]]\ncluster = "c%d"\naccess_policy = "AmazonEKSClusterAdminPolicy"\n\n' "$c" "$c"
  done
} > "$spec"

echo "spec: $clusters clusters, $((clusters * per_cluster)) workloads, $clusters principals, $(wc -l < "$spec") lines"
"$bin" generate "$spec" --out "$work/probe" 2>&1 | tail -1
measure() {
  /usr/bin/time -f "%e %M" "$bin" generate "$spec" --out "$1" 2>&1 >/dev/null | tail -1
}
for mode in cold warm; do
  best=""; peak=0
  for i in $(seq 1 "$runs"); do
    out="$work/out-$mode"
    [ "$mode" = cold ] && rm -rf "$out"
    read -r seconds kib < <(measure "$out")
    if [ -z "$best" ] || awk "BEGIN{exit !($seconds < $best)}"; then best=$seconds; fi
    [ "$kib" -gt "$peak" ] && peak=$kib
  done
  echo "$mode: best of $runs runs ${best}s, peak RSS ${peak} KiB"
done
