// main.ts reads an ordinary `vipd run …` line without yargs (resident set, issue 12). These hold readRunArgs to
// what yargs makes of the same line, and send every spelling it is not sure about to yargs.
import assert from 'node:assert/strict';
import yargs from 'yargs';
import { readRunArgs, RUN_OPTIONS, runOptionsFrom } from '../../../src/cli/runOptions.js';
import type { RunOptions } from '../../../src/cli/run.js';

/** What `vipd run ARGS` hands runCommand when yargs reads the line (commands.ts builds the same parser). */
async function viaYargs(args: string[]): Promise<RunOptions> {
  let got: RunOptions | null = null;
  await yargs(['run', ...args])
    .command('run', '', (y) => y.options(RUN_OPTIONS), (a) => void (got = runOptionsFrom(a)))
    .strict()
    .fail((msg) => assert.fail(`yargs refused ${args.join(' ')}: ${msg}`))
    .parseAsync();
  assert.ok(got, 'the run handler ran');
  return got;
}

describe('cli/runOptions: `vipd run` without yargs', () => {
  const lines: string[][] = [
    [],
    ['-f', '/etc/vipd/k.conf'],
    ['--use-file', 'k.conf', '--log-format', 'json', '--log-level', 'debug'],
    ['--use-file=k.conf', '--log-format=json'],
    ['-i', 'lb1', '--strict', '--no-handover', '--metrics-listen', 'off'],
    ['--config-id', 'a', '--control-socket', '/run/x.sock', '--stats-dir', '/var/tmp', '--handover', '--no-strict'],
    ['--metrics-listen=[::1]:9651', '--control-socket=/tmp/a=b.sock'],
  ];
  for (const line of lines) {
    it(`reads \`run ${line.join(' ')}\` as yargs does`, async () => {
      assert.deepEqual(readRunArgs(line), await viaYargs(line));
    });
  }

  it('leaves to yargs what it is not sure about: help, unknown or repeated options, bad choices, missing values, words', () => {
    for (const line of [
      ['--help'],
      ['--version'],
      ['--bogus'],
      ['-f'],
      ['-f', '--strict'],
      ['-f', 'a', '-f', 'b'],
      ['--log-format', 'xml'],
      ['--strict', 'true'],
      ['--strict=true'],
      ['--no-use-file'],
      ['--logFormat', 'json'],
      ['-f=k.conf'],
      ['--use-file='],
      ['extra'],
      ['--', '-f'],
    ]) {
      assert.equal(readRunArgs(line), null, line.join(' '));
    }
  });
});
