#!/usr/bin/env node
// Starts the telegram-test-api Bot API emulator on 127.0.0.1 for the Python e2e harness
// (tests/e2e/emulator.py). Usage: node server.js [PORT]   (or E2E_EMULATOR_PORT=PORT node server.js)
// PORT 0 (the default) lets the OS pick a free port. When the server listens, one line
//   READY {"host":"127.0.0.1","port":<port>}
// is printed on stdout; the Python side waits for it. SIGTERM/SIGINT stop the server.
'use strict';

const HOST = '127.0.0.1'; // never anything else: the emulator must not be reachable from outside

let TelegramServer;
try {
  TelegramServer = require('telegram-test-api');
} catch (err) {
  process.stderr.write(
    `cannot load telegram-test-api (${err.message}): run \`make install\` `
    + '(or tests/e2e/ensure_emulator.sh)\n',
  );
  process.exit(3);
}

const rawPort = process.argv[2] || process.env.E2E_EMULATOR_PORT || '0';
const port = Number(rawPort);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`bad port: ${rawPort}\n`);
  process.exit(2);
}

// telegram-test-api turns port 0 into its default 9000 (`config.port || 9000`), so the
// config is patched after construction to let the OS choose.
const server = new TelegramServer({ host: HOST, port: 9000, storeTimeout: 3600 });
server.config.port = port;

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  // http-shutdown waits for open keep-alive connections: do not wait for ever.
  setTimeout(() => process.exit(code), 2000).unref();
  try {
    await server.stop();
  } catch (err) {
    process.stderr.write(`stop failed: ${err}\n`);
  }
  process.exit(code);
}

process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
// Stop when the parent (the Python test process) goes away and closes our stdin.
process.stdin.on('end', () => stop(0));
process.stdin.on('error', () => stop(0));
process.stdin.resume();
// telegram-test-api calls addUser*() without awaiting it: a bad client request would be an
// unhandled rejection, which kills Node 20. Log it and stay up instead.
process.on('unhandledRejection', (err) => {
  process.stderr.write(`unhandled rejection in emulator: ${err && err.stack ? err.stack : err}\n`);
});

server.start().then(() => {
  const addr = server.server.address();
  server.config.port = addr.port;
  server.config.apiURL = `http://${HOST}:${addr.port}`;
  process.stdout.write(`READY ${JSON.stringify({ host: addr.address, port: addr.port })}\n`);
}).catch((err) => {
  process.stderr.write(`emulator failed to start: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
