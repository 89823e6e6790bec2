// Whether a bundle of scripts/build-cli.mjs may run: the CLI launcher (bin/portwatch.js) asks it of
// dist/portwatch.cjs, `portwatch local --vantage` of dist/probe-worker.cjs (lib/cli/probe-worker-client.ts).
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

/**
 * Why the bundle `bundle` (relative to `root`, e.g. `dist/portwatch.cjs`) cannot be run, or null if it
 * can: missing, or a file it was built from (listed in dist/portwatch.inputs.json by the build, which
 * writes every bundle at once) changed or vanished since. Falling back beats rebuilding here: the CLI
 * never writes into the checkout, concurrent runs cannot race on the bundle, and it works where esbuild
 * (a devDependency) is absent. About 120 stat calls, well under a millisecond.
 */
function staleBundle(root, bundle) {
  let built;
  let inputs;
  try {
    built = statSync(join(root, bundle)).mtimeMs;
    inputs = JSON.parse(readFileSync(join(root, 'dist', 'portwatch.inputs.json'), 'utf8'));
  } catch {
    return `${bundle} is missing`;
  }
  for (const input of inputs) {
    let changed;
    try {
      changed = statSync(join(root, input)).mtimeMs;
    } catch {
      return `${input}, which ${bundle} was built from, is gone`;
    }
    if (changed > built) return `${input} changed after ${bundle} was built`;
  }
  return null;
}

module.exports = { staleBundle };
