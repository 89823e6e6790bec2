import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * bin/portwatch.js, the launcher: it runs dist/portwatch.cjs (built by `npm test` before jest, and by
 * `npm ci`), and never a bundle older than its sources. The fallback is tested on a copy of the launcher
 * in a scratch directory with a stand-in bundle and sources, so the real dist/ is never touched.
 */

const REPO = join(__dirname, '..', '..');

function run(bin: string, args: readonly string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bin/portwatch.js', () => {
  it('runs the CLI from the bundle npm test built: --help lists the commands, and no fallback note', () => {
    // Act
    const { code, stdout, stderr } = run(join(REPO, 'bin', 'portwatch.js'), ['--help']);
    // Assess
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^Usage: portwatch \[options\] \[command\]/);
    for (const command of ['probe', 'local', 'targets', 'status', 'history', 'mute', 'unmute']) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  describe('bundle freshness (a copy of the launcher with a stand-in bundle)', () => {
    let root: string;
    // Whole days apart, so no file system's timestamp granularity can blur the order.
    const past = new Date(Date.now() - 2 * 86_400_000);
    const later = new Date(Date.now() - 86_400_000);

    beforeEach(() => {
      // Prepare: the layout the launcher expects, each file reporting where `main` came from.
      root = mkdtempSync(join(tmpdir(), 'portwatch-bin-'));
      mkdirSync(join(root, 'bin'));
      mkdirSync(join(root, 'dist'));
      mkdirSync(join(root, 'lib', 'cli'), { recursive: true });
      copyFileSync(join(REPO, 'bin', 'portwatch.js'), join(root, 'bin', 'portwatch.js'));
      copyFileSync(join(REPO, 'bin', 'bundle-freshness.js'), join(root, 'bin', 'bundle-freshness.js'));
      symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
      const main = (from: string) => `exports.main = async () => { process.stdout.write('${from}'); return 0; };\n`;
      writeFileSync(join(root, 'lib', 'cli', 'main.ts'), main('sources'));
      writeFileSync(join(root, 'dist', 'portwatch.cjs'), main('bundle'));
      writeFileSync(join(root, 'dist', 'portwatch.inputs.json'), JSON.stringify(['lib/cli/main.ts']));
      utimesSync(join(root, 'lib', 'cli', 'main.ts'), past, past);
      utimesSync(join(root, 'dist', 'portwatch.cjs'), later, later);
    });
    afterEach(() => {
      rmSync(root, { recursive: true, force: true });
    });

    it('runs the bundle when every input is older than it', () => {
      // Act
      const result = run(join(root, 'bin', 'portwatch.js'), []);
      // Assess
      expect(result).toEqual({ code: 0, stdout: 'bundle', stderr: '' });
    });

    it.each([
      ['a source edited after the build', () => utimesSync(join(root, 'lib', 'cli', 'main.ts'), new Date(), new Date()), 'lib/cli/main.ts changed after dist/portwatch.cjs was built'],
      ['an input that is gone', () => writeFileSync(join(root, 'dist', 'portwatch.inputs.json'), JSON.stringify(['lib/cli/main.ts', 'lib/cli/gone.ts'])), 'lib/cli/gone.ts, which dist/portwatch.cjs was built from, is gone'],
      ['no bundle', () => rmSync(join(root, 'dist', 'portwatch.cjs')), 'dist/portwatch.cjs is missing'],
    ])('with %s, runs the sources through tsx and says why in one line', (_case, change, why) => {
      // Prepare
      change();
      // Act
      const result = run(join(root, 'bin', 'portwatch.js'), []);
      // Assess
      expect(result).toEqual({ code: 0, stdout: 'sources', stderr: `portwatch: ${why}; running the sources through tsx (npm run build:cli to start fast again)\n` });
    });
  });
});
