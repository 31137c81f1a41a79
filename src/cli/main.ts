// vipd command line. The only module that exits the process: commands return an exit code.
// An ordinary `vipd run …` line is read without yargs (runOptions.ts says why); everything else goes to
// commands.ts, loaded only then.
import { describeError } from './describeError.js';
import { readRunArgs } from './runOptions.js';

export { DEFAULT_CONFIG } from './runOptions.js';

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  let exitCode = 0;
  const done = (code: number): void => {
    exitCode = code;
  };
  try {
    const run = argv[0] === 'run' ? readRunArgs(argv.slice(1)) : null;
    if (run) done(await (await import('./run.js')).runCommand(run));
    else await (await import('./commands.js')).parseCommandLine(argv, done);
  } catch (err) {
    process.stderr.write(`vipd: ${describeError(err)}\n`);
    exitCode = exitCode || 1;
  }
  process.exitCode = exitCode;
}
