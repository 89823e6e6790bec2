/** Types of bin/bundle-freshness.js: why a bundle of scripts/build-cli.mjs cannot run, or null if it can. */
export function staleBundle(root: string, bundle: string): string | null;
