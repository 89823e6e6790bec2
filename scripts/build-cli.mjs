// Builds dist/portwatch.cjs, the one-file CommonJS bundle bin/portwatch.js runs, dist/probe-worker.cjs (the probe worker of `local --vantage`), and the list of files it was
// built from (dist/portwatch.inputs.json), which bin/portwatch.js compares with the bundle to refuse stale code.
// Run by `npm ci` (the `prepare` script) and before `npm test`; `npm run build:cli` runs it by hand.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

let esbuild;
try {
  esbuild = require('esbuild');
} catch {
  // esbuild is a devDependency: an install without dev dependencies still gets a working CLI, through tsx.
  console.warn('build-cli: esbuild is not installed; bin/portwatch.js will run the sources through tsx');
  process.exit(0);
}

/**
 * The AWS SDK clients are half of the CLI's start-up (~90 ms of ~200 ms), yet `--help`, `probe` and
 * every usage error never send a request. Each `@aws-sdk/*` import becomes a module of getters that
 * requires the real package, from node_modules, the first time one of its exports is read. The export
 * names are read from the package itself here, so the getters match whatever version is installed.
 */
const lazyAwsSdk = {
  name: 'lazy-aws-sdk',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\// }, (args) =>
      args.namespace === 'lazy-aws-sdk' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy-aws-sdk' },
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-aws-sdk' }, (args) => {
      const names = Object.keys(require(args.path)).filter((name) => name !== 'default' && name !== '__esModule');
      const contents = [
        'let loaded;',
        `const load = () => (loaded ??= require(${JSON.stringify(args.path)}));`,
        "Object.defineProperty(exports, '__esModule', { value: true });",
        `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
      ].join('\n');
      return { contents, loader: 'js', resolveDir: root };
    });
  },
};

const outfile = join(root, 'dist', 'portwatch.cjs');
mkdirSync(dirname(outfile), { recursive: true });
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['lib/cli/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // dynalite loads its LevelDB binding (a prebuilt native module) from its own package directory.
  external: ['dynalite', 'tsx/cjs'],
  plugins: [lazyAwsSdk],
  // Not minified: a stack trace from the bundle stays readable, and minifying saved no measurable start-up time.
  metafile: true,
  logLevel: 'warning',
});
// The probe worker `portwatch local --vantage` starts inside each network namespace (lib/cli/probe-worker.ts):
// its own small bundle beside the CLI's, found there by lib/cli/probe-worker-client.ts.
const worker = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['lib/cli/probe-worker.ts'],
  outfile: join(root, 'dist', 'probe-worker.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  metafile: true,
  logLevel: 'warning',
});
// One list for both bundles: bin/portwatch.js falls back to the sources when either is older than a file it was built from.
const inputs = [...new Set([...Object.keys(result.metafile.inputs), ...Object.keys(worker.metafile.inputs)])].filter((path) => !path.startsWith('lazy-aws-sdk:'));
writeFileSync(join(root, 'dist', 'portwatch.inputs.json'), `${JSON.stringify(inputs, null, 1)}\n`);
