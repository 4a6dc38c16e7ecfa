/**
 * lungview command line: `npm run cli -- <command> [args]`.
 * A small dispatcher; each command lives in its own file.
 */
import { runAnalyze, ANALYZE_USAGE } from './analyze';
import { runInfo, INFO_USAGE } from './info';
import { processIo, type CliIo } from './io';

interface Command {
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  info: { usage: INFO_USAGE, run: runInfo },
  analyze: { usage: ANALYZE_USAGE, run: runAnalyze },
};

function usage(): string {
  return `usage: npm run cli -- <command> [options]\n\ncommands:\n${Object.values(COMMANDS).map((c) => `  ${c.usage}`).join('\n')}\n`;
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.out : io.err)(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`unknown command: ${name}\n${usage()}`);
    return 2;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    io.err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
