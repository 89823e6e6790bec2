/**
 * Imported first by bench/run.ts: the AWS SDK warns about Node versions on every client it builds,
 * which is noise in a benchmark's output (as in the tests, test/setup-env.ts).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
