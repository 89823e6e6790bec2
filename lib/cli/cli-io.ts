import type { Command } from 'commander';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export type CommandRegistrar = (program: Command) => void;

/**
 * Input the user got wrong; the CLI prints the message and exits 2. `help: false` when the message
 * already says how to recover (a damaged state directory): pointing at --help there only misleads.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly pointToHelp: boolean;

  constructor(message: string, options: { readonly help?: boolean } = {}) {
    super(message);
    this.pointToHelp = options.help ?? true;
  }
}
