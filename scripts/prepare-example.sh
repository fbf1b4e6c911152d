#!/usr/bin/env bash
# Proves the worker SDK installs as a package: builds the libs, packs them into .packs/ and installs those tarballs
# into examples/hello-worker (outside the npm workspaces), then compiles the example. Safe to re-run after a change
# to a lib: the example always ends up with the freshly packed code.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXAMPLE="$ROOT/examples/hello-worker"
PACKS="$ROOT/.packs"
LIBS=(common transport persistence worker)

cd "$ROOT"
echo "prepare-example: building the libs"
npx tsc -b libs/worker

echo "prepare-example: packing ${LIBS[*]} into .packs/"
mkdir -p "$PACKS"
rm -f "$PACKS"/jobnest-*.tgz
for lib in "${LIBS[@]}"; do
  (cd "libs/$lib" && npm pack --silent --pack-destination "$PACKS" >/dev/null)
done

# The tarballs keep their name and version from one run to the next: npm would keep an installed copy (and its
# hidden lockfile) as "already satisfied". Removing them forces npm to unpack the new tarballs.
rm -rf "$EXAMPLE/node_modules/@jobnest" "$EXAMPLE/node_modules/.package-lock.json"

echo "prepare-example: installing into examples/hello-worker"
(cd "$EXAMPLE" && npm install --no-package-lock --no-audit --no-fund)

# The example must run the code just packed, not a stale or registry copy.
for lib in "${LIBS[@]}"; do
  if ! diff -rq "libs/$lib/dist" "$EXAMPLE/node_modules/@jobnest/$lib/dist" >/dev/null; then
    echo "prepare-example: node_modules/@jobnest/$lib in the example differs from libs/$lib/dist" >&2
    exit 1
  fi
done

# Two copies of @nestjs/core would mean two DI containers: the SDK's module would not see the app's providers.
cores=$(find "$EXAMPLE/node_modules" -path '*/@nestjs/core/package.json' | wc -l)
if [ "$cores" -ne 1 ]; then
  echo "prepare-example: expected exactly one @nestjs/core in the example, found $cores:" >&2
  find "$EXAMPLE/node_modules" -path '*/@nestjs/core/package.json' >&2
  exit 1
fi

echo "prepare-example: compiling the example"
(cd "$EXAMPLE" && npx tsc -p .)
echo "prepare-example: done; run it with: node examples/hello-worker/dist/main.js (JOBNEST_* variables as for apps/worker)"
