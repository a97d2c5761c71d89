#!/usr/bin/env bash
# What the VS Code end-to-end test (tests/editors/test_vscode_e2e.py) runs on: code-server (VS Code
# in a browser) and headless Chromium driven by playwright-core. Debian packages by apt-get (as root),
# npm packages into a cache outside the repository, by default ~/.cache/wat-lsp-e2e
# ($WAT_LSP_E2E_CACHE overrides; the test reads the same variable). Idempotent: a second run only
# checks, in well under a second.
#
# Facts this script works around (found installing as root on Debian bookworm, Node 20):
# - code-server 4.100.x (VS Code 1.100.3) is the last line that declares Node 20;
# - npm as root runs install scripts only with npm_config_unsafe_perm=true;
# - the `kerberos` module compiles against libkrb5-dev, found through pkg-config;
# - `node-pty` runs `npx node-gyp`, which must not stop to ask (npm_config_yes=true), and node-gyp
#   uses the installed Node headers (npm_config_nodedir=/usr) instead of downloading them;
# - `@vscode/ripgrep` downloads `rg` from a host outside the package registries; it first looks in
#   its cache, $TMPDIR/vscode-ripgrep-cache-<version>/, so Debian's rg is put there as the tarball it
#   would have downloaded.
set -euo pipefail

CODE_SERVER=4.100.3
PLAYWRIGHT=1.65.2
RIPGREP_PACKAGE=1.15.11  # @vscode/ripgrep's version in code-server 4.100.3
case "$(uname -m)" in  # the asset @vscode/ripgrep would download (its lib/postinstall.js)
    aarch64) RIPGREP_ASSET=ripgrep-v13.0.0-10-aarch64-unknown-linux-musl.tar.gz ;;
    *) RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz ;;
esac
HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"  # as Python's Path.home() falls back
CACHE="${WAT_LSP_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wat-lsp-e2e}"
MARK="$CACHE/.installed"
WANT="code-server@$CODE_SERVER playwright-core@$PLAYWRIGHT"

debian=()
command -v chromium >/dev/null || debian+=(chromium)
command -v rg >/dev/null || debian+=(ripgrep)
npm_needed=false
[ -f "$MARK" ] && [ "$(cat "$MARK")" = "$WANT" ] && [ -x "$CACHE/node_modules/.bin/code-server" ] || npm_needed=true
if $npm_needed; then
    # Only the npm build needs these.
    dpkg -s libkrb5-dev >/dev/null 2>&1 || debian+=(libkrb5-dev)
    command -v pkg-config >/dev/null || debian+=(pkg-config)
    command -v node >/dev/null || debian+=(nodejs)
    command -v npm >/dev/null || debian+=(npm)
    command -v make >/dev/null || debian+=(make)
    command -v g++ >/dev/null || debian+=(g++)
    command -v python3 >/dev/null || debian+=(python3)
fi
if ((${#debian[@]})); then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "install.sh: missing Debian packages ${debian[*]}: run as root with apt-get, or install them" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q || echo "install.sh: apt-get update failed; installing from the lists at hand" >&2
    apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${debian[@]}"
fi
$npm_needed || exit 0

mkdir -p "$CACHE/tmp"
# The ripgrep cache seeded with Debian's rg, in a temporary folder of our own.
export TMPDIR="$CACHE/tmp"
seed="$TMPDIR/vscode-ripgrep-cache-$RIPGREP_PACKAGE"
if [ ! -f "$seed/$RIPGREP_ASSET" ]; then
    mkdir -p "$seed/rg-root"
    cp "$(command -v rg)" "$seed/rg-root/rg"
    tar -czf "$seed/$RIPGREP_ASSET" -C "$seed/rg-root" rg
    rm -r "$seed/rg-root"
fi

cd "$CACHE"
[ -f package.json ] || echo '{"name": "wat-lsp-e2e", "private": true}' > package.json
rm -f "$MARK"
npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
    npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER" "playwright-core@$PLAYWRIGHT"
echo "$WANT" > "$MARK"
