#!/usr/bin/env bash
# Refresh the country outlines the web view's map draws (npm's world-atlas, ISC; Natural Earth, public domain).
# The result is committed, so neither setup nor CI needs npm; run this only to change the version.
set -euo pipefail
version="${1:-2.0.2}"
dest="$(cd "$(dirname "$0")/.." && pwd)/src/sitrep_store/static/vendor/world-atlas"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "world-atlas@${version}" >/dev/null && tar xzf "world-atlas-${version}.tgz")
mkdir -p "$dest"
cp "$tmp/package/countries-110m.json" "$tmp/package/LICENSE" "$dest/"
echo "world-atlas ${version} -> $dest"
