#!/usr/bin/env bash
# Proves that `cargo xtask new-channel` yields crates that build, pass fmt, clippy -D warnings,
# rustdoc -D warnings and their own tests with zero edits, wired into the workspace and the
# facade: in one temporary copy of the workspace (the real tree is never touched) it scaffolds
#
#   * a push channel:     --redirect none --checksum --timeout 90 (synchronous, in-body checksum)
#   * a redirect channel: --redirect url
#   * a form channel:     --redirect form (a redirect with a method and form fields)
#
# then lints, documents and tests them, regenerates the docs, and runs `doku demo`, which
# must take every one from its samples through the simulator.
#
#   bash xtask/ci-scaffold-check.sh
#   SCAFFOLD_FULL_TESTS=1 bash xtask/ci-scaffold-check.sh   # every test of the copy, not just
#                                                          # the new crates' and the facade's
#
# The copy builds in its own persistent target directory, <repo>/target/scaffold-check
# (override with SCAFFOLD_TARGET_DIR), so that dependencies compile once across runs. It
# must not be the repository's own target directory: cargo fingerprints workspace crates by
# their path relative to the workspace root, so the copy's artifacts (the xtask binary with
# the throwaway channels linked, among others) would be taken for the real tree's.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
push="zzpush"
redirect="zzredirect"
form="zzform"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/doku-scaffold-check.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT

export CARGO_TARGET_DIR="${SCAFFOLD_TARGET_DIR:-$repo/target/scaffold-check}"
if [[ "$(realpath -m "$CARGO_TARGET_DIR")" == "$(realpath -m "$repo/target")" ]]; then
  echo "SCAFFOLD_TARGET_DIR must not be the repository's own target directory" >&2
  exit 1
fi
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# A new target directory starts from the registry crates the repository's own has built
# (hard links: nothing is copied), so that only the workspace's crates and what the copy's
# features add are compiled (on CI's fresh clone: about half the check's time). The
# workspace's own crates are left out: the copy must build those itself (see above).
seed="$repo/target/debug"
if [[ -d "$seed/deps" && ! -e "$CARGO_TARGET_DIR/debug" ]]; then
  echo "== scaffold check: seeding $CARGO_TARGET_DIR with $seed's registry crates"
  mkdir -p "$CARGO_TARGET_DIR/debug"
  for dir in deps build .fingerprint; do
    [[ -d "$seed/$dir" ]] && cp -al "$seed/$dir" "$CARGO_TARGET_DIR/debug/$dir"
  done
  find "$CARGO_TARGET_DIR/debug/deps" "$CARGO_TARGET_DIR/debug/build" \
    "$CARGO_TARGET_DIR/debug/.fingerprint" -mindepth 1 -maxdepth 1 \
    \( -name 'doku*' -o -name 'libdoku*' -o -name 'xtask*' -o -name 'libxtask*' \) \
    -exec rm -rf {} +
fi
locked=()
if [[ "${SCAFFOLD_LOCKED:-1}" == "1" ]]; then
  # The new crate uses only dependencies already in Cargo.lock; only its own entry is added.
  locked=(--offline)
fi

# The fuzz workspace's dependencies (libfuzzer-sys) in Cargo's cache, as every other locked
# dependency is once the workspace has built: the offline runs below must find them whether or
# not the fuzz targets were built on this machine before.
(cd "$repo" && cargo fetch --locked --manifest-path fuzz/Cargo.toml)

ws="$tmp/ws"
echo "== scaffold check: copying the workspace to $ws"
# Everything but build output and VCS data; ../shared beside the repo is linked beside the
# copy for tests that read it.
mkdir -p "$ws"
tar -C "$repo" --exclude=./target --exclude=./.git -cf - . | tar -C "$ws" -xf -
if [[ -d "$repo/../shared" ]]; then
  ln -s "$(cd "$repo/../shared" && pwd)" "$tmp/shared"
fi
for name in "$push" "$redirect" "$form"; do
  if [[ -e "$ws/channels/$name" ]]; then
    echo "channels/$name already exists in the workspace: pick another throwaway name" >&2
    exit 1
  fi
done

cd "$ws"
echo "== scaffold check: a push channel, $push"
cargo "${locked[@]}" xtask new-channel "$push" --code EMONEY_ZZPUSH --kind emoney \
  --redirect none --checksum --timeout 90 --display-name "ZZ Push Payment"
echo "== scaffold check: a redirect channel, $redirect"
cargo "${locked[@]}" xtask new-channel "$redirect" --code PEER_TO_PEER_ZZREDIRECT --kind paylater \
  --redirect url
echo "== scaffold check: a form channel, $form"
cargo "${locked[@]}" xtask new-channel "$form" --code EMONEY_ZZFORM --kind emoney \
  --redirect form

echo "== scaffold check: wired into the workspace and the facade"
grep -qx "doku-pay-$push = { path = \"channels/$push\", version = \"0.1.0\" }" Cargo.toml
grep -qx "doku-pay-$redirect = { path = \"channels/$redirect\", version = \"0.1.0\" }" Cargo.toml
grep -qx "doku-pay-$push = { workspace = true, optional = true }" crates/doku-pay/Cargo.toml
grep -q "&doku_pay_$redirect::DESCRIPTOR," crates/doku-pay/src/lib.rs
grep -q 'display_name: "ZZ Push Payment"' "channels/$push/src/lib.rs"
grep -q 'display_name: "ZZREDIRECT"' "channels/$redirect/src/lib.rs"
grep -q 'timeout_secs(90)' "channels/$push/src/lib.rs"
# The fuzz workspace links every channel through the facade and builds --locked: its lock
# file must already hold the new crates.
cargo metadata --locked --offline --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null
grep -q "name = \"doku-pay-$form\"" fuzz/Cargo.lock

echo "== scaffold check: the scaffolds are formatted"
cargo fmt --all -- --check

crates=(-p "doku-pay-$push" -p "doku-pay-$redirect" -p "doku-pay-$form")
echo "== scaffold check: clippy -D warnings"
cargo "${locked[@]}" clippy "${crates[@]}" -p doku-pay --all-targets --all-features -- -D warnings

echo "== scaffold check: rustdoc -D warnings"
RUSTDOCFLAGS="-D warnings" cargo "${locked[@]}" doc "${crates[@]}" --no-deps

echo "== scaffold check: generated docs include the new channels (before the tests: they check the docs are up to date)"
cargo "${locked[@]}" xtask codegen
for name in "$push" "$redirect" "$form"; do
  test -f "docs/channels/$name.md"
  test -f "docs/schemas/$name/PaymentRequest.json"
  grep -q "\[\`$name\`\]($name.md)" docs/channels/README.md
done

if [[ "${SCAFFOLD_FULL_TESTS:-0}" == "1" ]]; then
  echo "== scaffold check: cargo test --workspace"
  cargo "${locked[@]}" test --workspace
else
  echo "== scaffold check: cargo test ${crates[*]} -p doku-pay"
  cargo "${locked[@]}" test "${crates[@]}" -p doku-pay
fi

echo "== scaffold check: doku demo runs each from its samples"
cargo "${locked[@]}" run -q -p doku-pay-cli -- demo | tee "$tmp/demo.txt"
for name in "$push" "$redirect" "$form"; do
  grep -q "$name: create payment" "$tmp/demo.txt"
done

echo "== scaffold check: ok"
