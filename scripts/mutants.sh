#!/usr/bin/env bash
# Mutation testing of the safety core (docs/safety.md, "Mutation testing"): does the test
# suite notice when one line of the engine, `check` or the writer is broken?
#
#   scripts/mutants.sh list                 the mutants of the safety core (names only)
#   scripts/mutants.sh sample [N] [SEED]    a fixed-seed random sample (default 60, seed 19)
#   scripts/mutants.sh shard K/N            shard K of N of the full run (0 <= K < N)
#   scripts/mutants.sh full                 every mutant (about 700: hours)
#   scripts/mutants.sh diff [BASE]          the mutants on lines changed since BASE (main)
#   scripts/mutants.sh confirm DIR          the missed mutants of a QUICK run (its OUT),
#                                           against the tests the screen left out
#
# QUICK=1 screens with cargo-nextest (stops at the first failing test) and leaves out the
# corpus-wide tests (conform, oracle, the corpus runs of io and safety): several times
# faster; then `confirm` the missed ones with the whole suite before calling them missed.
# Anything after `--` goes to cargo-mutants (e.g. `-- --timeout 300`). JOBS (default 1)
# sets `--jobs`; IN_PLACE=1 mutates this tree instead of copies (run it in a scratch copy
# of the repository: its target/ stays warm from run to run); OUT (default
# target/mutants/MODE) where the results go: `caught.txt`,
# `missed.txt`, `timeout.txt`, `unviable.txt` in OUT/mutants.out/. Needs cargo-mutants
# (`cargo install --locked cargo-mutants`). Not part of CI: run it by hand, at low
# priority on a shared machine (`nice -n 19 scripts/mutants.sh sample`).
#
# The sample is the N mutants whose names (without line numbers, so that an edit
# elsewhere in a file does not reshuffle it) have the smallest SHA-256 after the seed:
# the same code and seed always give the same sample, on any machine.
set -euo pipefail
cd "$(dirname "$0")/.."

# the safety core: the engine (walk, keyed mappings, combined actions), check, the writer,
# the byte copy, the pixel blackout and the burned-in policy
FILES=(--file src/engine.rs --file 'src/engine/**/*.rs' --file src/check.rs --file 'src/check/*.rs'
  --file src/io/write.rs --file src/io/copy.rs --file src/io/pixel.rs --file 'src/io/pixel/*.rs'
  --file src/deid/pixels.rs)

mode=${1:-}
[ $# -gt 0 ] && shift
extra=()
positional=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; extra=("$@"); break; fi
  positional+=("$1"); shift
done

jobs=${JOBS:-1}
# doc tests are left out (`--tests`): they compile one binary each and test no safety code
common=("${FILES[@]}" --timeout-multiplier 3)
if [ "${IN_PLACE:-0}" = 1 ]; then
  # mutate this tree itself (a scratch copy kept for the purpose: its target/ stays warm)
  common+=(--in-place)
else
  common+=(--jobs "$jobs" --copy-target true)
fi
heavy='test(/^conform::/) | test(/^oracle::/) | test(/every_corpus_output/)'
heavy+=' | test(/corpus_streamed_and_in_memory/) | test(/corpus_deidentified_streamed/)'
heavy+=' | test(/mutated_headers_never_panic/) | test(/truncated_files_give_errors/)'
if [ "$mode" = confirm ]; then
  # a mutant the quick screen missed passed every other test: only the heavy ones remain
  common+=(--test-tool nextest --cargo-test-arg=-E "--cargo-test-arg=$heavy")
elif [ "${QUICK:-0}" = 1 ]; then
  common+=(--test-tool nextest --cargo-test-arg=-E "--cargo-test-arg=not ($heavy)")
else
  common+=(--cargo-test-arg=--tests)
fi

command -v cargo-mutants >/dev/null || {
  echo "cargo-mutants is not installed: cargo install --locked cargo-mutants" >&2
  exit 2
}

# The mutants' names, one a line.
list() { cargo mutants --list "${FILES[@]}" "$@"; }

case "$mode" in
  list)
    list "${extra[@]}"
    ;;
  sample)
    n=${positional[0]:-60}
    seed=${positional[1]:-19}
    out=${OUT:-target/mutants/sample-$seed-$n}
    mkdir -p "$out"
    # rank every mutant by the hash of seed + name-without-position, keep the first N
    list | while IFS= read -r name; do
      key=$(printf '%s\n%s' "$seed" "$(printf '%s' "$name" | sed -E 's/:[0-9]+:[0-9]+:/:/')" \
        | sha256sum | cut -c1-16)
      printf '%s\t%s\n' "$key" "$name"
    done | sort | head -n "$n" | cut -f2- >"$out/sample.txt"
    echo "sample of $(wc -l <"$out/sample.txt") mutants (seed $seed): $out/sample.txt"
    # one anchored regular expression per mutant, OR-ed
    re=$(sed -e 's/[][\\.*^$(){}+?|]/\\&/g' -e 's/^/^/' -e 's/$/$/' "$out/sample.txt" | paste -sd'|')
    cargo mutants "${common[@]}" --re "$re" --output "$out" "${extra[@]}"
    ;;
  shard)
    k=${positional[0]:?usage: scripts/mutants.sh shard K/N}
    out=${OUT:-target/mutants/shard-${k/\//-of-}}
    mkdir -p "$out"
    cargo mutants "${common[@]}" --shard "$k" --output "$out" "${extra[@]}"
    ;;
  full)
    out=${OUT:-target/mutants/full}
    mkdir -p "$out"
    cargo mutants "${common[@]}" --output "$out" "${extra[@]}"
    ;;
  diff)
    base=${positional[0]:-main}
    out=${OUT:-target/mutants/diff}
    mkdir -p "$out"
    git diff "$base" -- src/ >"$out/changes.diff"
    cargo mutants "${common[@]}" --in-diff "$out/changes.diff" --output "$out" "${extra[@]}"
    ;;
  confirm)
    from=${positional[0]:?usage: scripts/mutants.sh confirm DIR}
    out=${OUT:-$from/confirm}
    mkdir -p "$out"
    [ -s "$from/mutants.out/missed.txt" ] || { echo "nothing missed in $from"; exit 0; }
    re=$(sed -e 's/[][\\.*^$(){}+?|]/\\&/g' -e 's/^/^/' -e 's/$/$/' "$from/mutants.out/missed.txt" | paste -sd'|')
    cargo mutants "${common[@]}" --re "$re" --output "$out" "${extra[@]}"
    ;;
  *)
    sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
