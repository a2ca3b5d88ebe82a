#!/usr/bin/env bash
# Installs the pinned Bot API emulator (telegram-test-api 4.2.1, see package-lock.json) for the
# e2e tests into tests/e2e/node_modules, with `npm ci`, when it is missing or older than the lock
# file. Run by `make install`; safe to run again (does nothing when up to date).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "ensure_emulator: Node.js and npm are needed for the e2e tests (tests/e2e) but" \
       "'node' or 'npm' is not on PATH: install Node.js >= 18 with npm (e.g. apt-get install nodejs npm)" >&2
  exit 1
fi

stamp=node_modules/.e2e-installed
if [ -f "$stamp" ] && [ -f node_modules/telegram-test-api/package.json ] \
   && [ ! package-lock.json -nt "$stamp" ] && [ ! package.json -nt "$stamp" ]; then
  exit 0
fi

echo "ensure_emulator: npm ci in tests/e2e (telegram-test-api 4.2.1, node $(node --version))"
npm ci --no-audit --no-fund --loglevel=error
touch "$stamp"
