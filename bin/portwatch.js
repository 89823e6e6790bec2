#!/usr/bin/env node
// The CLI entry: runs dist/portwatch.cjs, the bundle `npm ci` builds (scripts/build-cli.mjs), which starts
// several times faster than the TypeScript sources through tsx. A bundle older than any file it was built
// from is never run: the sources run through tsx instead, with a note (bin/bundle-freshness.js).
'use strict';
const { join } = require('node:path');
const { staleBundle } = require('./bundle-freshness');

// The AWS SDK warns on every client about Node.js 20's end of support; for a CLI that is one line of
// noise per command. Node 20 is supported by portwatch; set the variable to false to see the warning.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

// A reader that stops early (`portwatch probe ... | head -1`) closes the pipe. That is the reader's choice,
// not a failure of ours: without a listener Node.js crashes with an unhandled EPIPE and a stack trace.
// `portwatch local` also stops on it (lib/cli/local-run.ts, stopOnSignals); short commands just finish.
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE') throw err;
});

const root = join(__dirname, '..');
const bundle = join(root, 'dist', 'portwatch.cjs');

function loadCli() {
  const stale = staleBundle(root, 'dist/portwatch.cjs');
  if (stale === null) return require(bundle);
  process.stderr.write(`portwatch: ${stale}; running the sources through tsx (npm run build:cli to start fast again)\n`);
  require('tsx/cjs');
  return require('../lib/cli/main.ts');
}

loadCli()
  .main(process.argv)
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`portwatch: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
