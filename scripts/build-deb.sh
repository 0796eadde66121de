#!/bin/sh
# Builds the Debian package: target/debian/pvelint_<version>-1_<arch>.deb.
# Generates the man page and shell completions from the release binary into
# target/assets (the package's assets, see [package.metadata.deb] in
# crates/pvelint/Cargo.toml), then runs cargo-deb, installing it first if missing.
set -eu
cd "$(dirname "$0")/.."
CARGO_DEB_VERSION=3.8.0
if ! cargo deb --version >/dev/null 2>&1; then
    cargo install --locked cargo-deb --version "$CARGO_DEB_VERSION"
fi
cargo build --release --locked -p pvelint
mkdir -p target/assets
bin=target/release/pvelint
"$bin" man >target/assets/pvelint.1
"$bin" completions bash >target/assets/pvelint.bash
"$bin" completions zsh >target/assets/_pvelint
"$bin" completions fish >target/assets/pvelint.fish
cargo deb -p pvelint --no-build --locked "$@"
ls target/debian/*.deb
