#!/usr/bin/env bash
# What each shell's completion of `eksgrant import aws-auth --mode <TAB>`
# offers, asked of the shell itself through the script `eksgrant
# completions` writes for it: zsh in a pseudo-terminal, pressing TAB; fish
# with `complete -C`. (bash's is a cargo test: tests/help.rs.) Each must
# offer the three modes.
set -euo pipefail
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
want="API API_AND_CONFIG_MAP CONFIG_MAP"

"$bin" completions fish > "$work/eksgrant.fish"
got=$(fish -c "source $work/eksgrant.fish; complete -C 'eksgrant import aws-auth --mode '" | cut -f1 | LC_ALL=C sort | tr '\n' ' ')
[ "$got" = "$want " ] || { echo "fish completes --mode with: $got" >&2; exit 1; }

"$bin" completions zsh > "$work/_eksgrant"
got=$(zsh -f -c '
  zmodload zsh/zpty
  zpty z zsh -f -i
  zpty -w z "fpath=('"$work"' \$fpath); autoload -U compinit; compinit -u; PS1=\"> \""
  zpty -w z $'"'"'eksgrant import aws-auth --mode \t'"'"'
  sleep 2
  all=""
  while zpty -r -t z chunk; do all+=$chunk; done
  zpty -d z
  print -r -- "$all"' | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' |
  grep -o 'API_AND_CONFIG_MAP\|CONFIG_MAP\|\bAPI\b' | LC_ALL=C sort -u | tr '\n' ' ')
[ "$got" = "$want " ] || { echo "zsh completes --mode with: $got" >&2; exit 1; }
echo "fish and zsh complete --mode with the three modes"
