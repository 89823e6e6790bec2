/** Finds a program by name, as a shell would, plus the sbin folders where Debian installs ip and mosquitto. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Folders searched after PATH: a user's PATH often lacks them, and Debian puts `ip` and `mosquitto` there. */
const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** The executable's path, or null when no folder of PATH (or sbin) holds it. */
export function findExecutable(name: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...SBIN_DIRS]) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this folder
    }
  }
  return null;
}
