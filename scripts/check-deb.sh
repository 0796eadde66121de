#!/bin/sh
# Checks a built package: its contents, then installs it (as root), runs the installed
# binary on the bundled incident tree, and removes it again.
# usage: scripts/check-deb.sh target/debian/pvelint_*.deb
set -eu
cd "$(dirname "$0")/.."
deb=${1:?usage: $0 PACKAGE.deb}
contents=$(dpkg-deb --contents "$deb")
for want in \
    ./usr/bin/pvelint \
    ./usr/share/man/man1/pvelint.1.gz \
    ./usr/share/bash-completion/completions/pvelint \
    ./usr/share/zsh/vendor-completions/_pvelint \
    ./usr/share/fish/vendor_completions.d/pvelint.fish \
    ./usr/share/doc/pvelint/user-guide.md \
    ./usr/share/doc/pvelint/facts.md \
    ./usr/share/doc/pvelint/rules/G105.md \
    ./usr/share/doc/pvelint/copyright \
    ./usr/share/doc/pvelint/LICENSE-APACHE; do
    echo "$contents" | grep -q " $want\$" || { echo "check-deb: $deb lacks $want" >&2; exit 1; }
done
echo "$contents" | grep -q "/priv/" && { echo "check-deb: unexpected priv/ path" >&2; exit 1; }
dpkg-deb --field "$deb" Depends | grep -q libc6 || { echo "check-deb: no libc6 dependency" >&2; exit 1; }
if [ "$(id -u)" = 0 ] && command -v dpkg >/dev/null; then
    dpkg -i "$deb" >/dev/null
    trap 'dpkg -r pvelint >/dev/null 2>&1 || true' EXIT
    /usr/bin/pvelint --version
    set +e
    /usr/bin/pvelint check testdata/incident --format concise >/dev/null
    code=$?
    set -e
    [ "$code" = 1 ] || { echo "check-deb: installed pvelint exited $code on the incident (want 1)" >&2; exit 1; }
    [ -f /usr/share/man/man1/pvelint.1.gz ] || { echo "check-deb: the man page was not installed" >&2; exit 1; }
fi
echo "check-deb: $deb is complete and its binary runs"
