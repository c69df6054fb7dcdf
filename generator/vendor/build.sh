#!/bin/sh
# Rebuild generator/assets/vendor/form-vendor.js and its licence files from npm (pinned in package.json).
# Needs Node.js and npm; works in a temporary folder, so nothing lands in the repository but the results.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../assets/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/entry.js" "$work/"
cd "$work"
npm install --no-audit --no-fund --ignore-scripts >/dev/null
# esbuild's platform binary comes as an optional dependency; its install script is not needed.
esbuild="$(find node_modules/@esbuild -path '*/bin/esbuild' -type f | head -n 1)"
"$esbuild" entry.js --bundle --minify --format=iife --target=es2019 --legal-comments=none \
  --outfile="$out/form-vendor.js"
for package in ajv ajv-formats js-yaml fast-deep-equal fast-uri json-schema-traverse; do
  version="$(node -p "require('./node_modules/$package/package.json').version")"
  { echo "$package $version (bundled into form-vendor.js)"; echo; cat "node_modules/$package/"[Ll][Ii][Cc][Ee][Nn][Ss][Ee]*; } \
    > "$out/LICENSE-$package.txt"
done
echo "form-vendor.js: $(wc -c < "$out/form-vendor.js") bytes"
