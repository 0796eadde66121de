#!/bin/sh
# Builds a statically linked x86_64 Linux binary (glibc, static-pie) and checks that it
# has no dynamic dependency: target/static/x86_64-unknown-linux-gnu/release/pvelint.
set -eu
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-gnu
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked -p pvelint \
    --target "$target" --target-dir target/static
bin=target/static/$target/release/pvelint
if command -v file >/dev/null; then
    file "$bin" | grep -Eq 'static(-pie)? linked|statically linked' || { file "$bin"; echo "build-static: not static" >&2; exit 1; }
fi
if ldd "$bin" >/dev/null 2>&1; then
    case $(ldd "$bin" 2>&1) in
    *"statically linked"* | *"not a dynamic executable"*) ;;
    *) ldd "$bin"; echo "build-static: dynamic dependencies" >&2; exit 1 ;;
    esac
fi
set +e
"$bin" check testdata/incident --format concise >/dev/null
code=$?
set -e
[ "$code" = 1 ] || { echo "build-static: exit $code on the incident (want 1)" >&2; exit 1; }
"$bin" --version
echo "$bin"
