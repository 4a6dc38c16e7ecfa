/** Where a command writes: stdout / stderr in the CLI, buffers in tests. */
export interface CliIo {
  /** Results only (the report, JSON with --json): nothing else goes to stdout. */
  out(text: string): void;
  /** Errors, warnings and usage. */
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** Exit codes of every command. */
export const EXIT = { done: 0, failed: 1, usage: 2 } as const;

/**
 * The folder relative paths on the command line are relative to: the
 * caller's. `npm run cli` starts the command in the package folder and says
 * where it was called from in INIT_CWD (with npm_lifecycle_event the script's
 * name); anything else (tsx directly, or a test process that npm started for
 * another script) keeps its own working directory.
 */
export function callerDirectory(env: NodeJS.ProcessEnv, cwd: string): string {
  return env.npm_lifecycle_event === 'cli' && env.INIT_CWD ? env.INIT_CWD : cwd;
}
