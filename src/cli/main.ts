/**
 * lungview command line: `npm run cli -- <command> [args]`.
 * A small dispatcher; each command lives in its own file. Relative paths are
 * the caller's (callerDirectory); the process ends as soon as the command
 * does (the analysis worker is stopped), with the exit codes of EXIT.
 */
import { runAnalyze, ANALYZE_USAGE } from './analyze';
import { BATCH_MERGE_USAGE, BATCH_USAGE, runBatch, runBatchMerge } from './batch';
import { stopAnalysisThread } from './analysisThread';
import { COMPARE_USAGE, runCompare } from './compare';
import { runInfo, INFO_USAGE } from './info';
import { callerDirectory, EXIT, processIo, type CliIo } from './io';

interface Command {
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  info: { usage: INFO_USAGE, run: runInfo },
  analyze: { usage: ANALYZE_USAGE, run: runAnalyze },
  batch: { usage: BATCH_USAGE, run: runBatch },
  'batch-merge': { usage: BATCH_MERGE_USAGE, run: runBatchMerge },
  compare: { usage: COMPARE_USAGE, run: runCompare },
};

export const EXIT_CODES_USAGE =
  `exit codes: ${EXIT.done} done, ${EXIT.failed} failed (the reason on stderr), ${EXIT.usage} usage error; ` +
  'results on stdout (only JSON with --json), errors and warnings on stderr';

function usage(): string {
  return `usage: npm run cli -- <command> [options]\n\ncommands:\n${Object.values(COMMANDS).map((c) => `  ${c.usage}`).join('\n')}\n\n` +
    `relative paths are relative to the folder the command was called from\n${EXIT_CODES_USAGE}\n`;
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.out : io.err)(usage());
    return name ? EXIT.done : EXIT.usage;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`unknown command: ${name}\n${usage()}`);
    return EXIT.usage;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    io.err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.failed;
  }
}

async function entry(): Promise<number> {
  try {
    process.chdir(callerDirectory(process.env, process.cwd()));
  } catch (e) {
    process.stderr.write(`error: cannot change to the calling folder: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.failed;
  }
  try {
    return await main(process.argv.slice(2));
  } finally {
    await stopAnalysisThread();
  }
}

entry().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: ${String(e)}\n`);
    process.exitCode = EXIT.failed;
  },
);
