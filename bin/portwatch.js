#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npx portwatch` works straight after `npm ci` with no build step.
'use strict';
require('tsx/cjs');
const { main } = require('../lib/cli/main.ts');
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`portwatch: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
