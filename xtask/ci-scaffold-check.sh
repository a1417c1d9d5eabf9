#!/usr/bin/env bash
# Proves that `cargo xtask new-channel` yields a crate that builds, passes its tests and is
# wired into the facade: scaffolds a throwaway channel in a temporary copy of the workspace
# (the real tree is never touched), then builds and tests it there.
#
#   bash xtask/ci-scaffold-check.sh
#   SCAFFOLD_FULL_TESTS=1 bash xtask/ci-scaffold-check.sh   # every test of the copy, not just
#                                                          # the new crate's and the facade's
#
# The copy builds in its own persistent target directory, <repo>/target/scaffold-check
# (override with SCAFFOLD_TARGET_DIR), so that dependencies compile once across runs. It
# must not be the repository's own target directory: cargo fingerprints workspace crates by
# their path relative to the workspace root, so the copy's artifacts (the xtask binary with
# the throwaway channel linked, among others) would be taken for the real tree's.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
name="zzdemo"
code="EMONEY_ZZDEMO"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/doku-scaffold-check.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT

export CARGO_TARGET_DIR="${SCAFFOLD_TARGET_DIR:-$repo/target/scaffold-check}"
if [[ "$(realpath -m "$CARGO_TARGET_DIR")" == "$(realpath -m "$repo/target")" ]]; then
  echo "SCAFFOLD_TARGET_DIR must not be the repository's own target directory" >&2
  exit 1
fi
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
locked=()
if [[ "${SCAFFOLD_LOCKED:-1}" == "1" ]]; then
  # The new crate uses only dependencies already in Cargo.lock; only its own entry is added.
  locked=(--offline)
fi

ws="$tmp/ws"
echo "== scaffold check: copying the workspace to $ws"
# Everything but build output and VCS data; ../shared beside the repo is linked beside the
# copy for tests that read it.
mkdir -p "$ws"
tar -C "$repo" --exclude=./target --exclude=./.git -cf - . | tar -C "$ws" -xf -
if [[ -d "$repo/../shared" ]]; then
  ln -s "$(cd "$repo/../shared" && pwd)" "$tmp/shared"
fi
if [[ -e "$ws/channels/$name" ]]; then
  echo "channels/$name already exists in the workspace: pick another throwaway name" >&2
  exit 1
fi

cd "$ws"
echo "== scaffold check: cargo xtask new-channel $name --code $code --kind emoney"
cargo "${locked[@]}" xtask new-channel "$name" --code "$code" --kind emoney

echo "== scaffold check: the scaffold is formatted"
rustfmt --edition 2024 --check "channels/$name/src/"*.rs "channels/$name/tests/"*.rs crates/doku/src/lib.rs crates/doku/tests/*.rs

echo "== scaffold check: cargo build --workspace"
cargo "${locked[@]}" build --workspace

echo "== scaffold check: clippy on the new crate"
cargo "${locked[@]}" clippy -p "doku-$name" --all-targets --all-features -- -D warnings

if [[ "${SCAFFOLD_FULL_TESTS:-0}" == "1" ]]; then
  echo "== scaffold check: cargo test --workspace"
  cargo "${locked[@]}" test --workspace
else
  echo "== scaffold check: cargo test -p doku-$name -p doku"
  cargo "${locked[@]}" test -p "doku-$name" -p doku
fi

echo "== scaffold check: the simulator plugin builds"
cargo "${locked[@]}" build -p doku --features sim

echo "== scaffold check: generated docs include the new channel"
cargo "${locked[@]}" xtask codegen
test -f "docs/channels/$name.md"
test -f "docs/schemas/$name/PaymentRequest.json"
grep -q "\[\`$name\`\]($name.md)" docs/channels/README.md

echo "== scaffold check: ok"
