#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npx portwatch` works straight after `npm ci` with no build step.
'use strict';
// The AWS SDK warns on every client about Node.js 20's end of support; for a CLI that is one line of
// noise per command. Node 20 is supported by portwatch; set the variable to false to see the warning.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
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
