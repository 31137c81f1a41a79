// Notify scripts and the notify FIFO on a real vipd director: keepalived's argument and line formats, in the
// order the transitions happened (vrrp_notify.c), including FAULT from a tracker and STOP on SIGTERM.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync, writeFileSync, existsSync, type ReadStream } from 'node:fs';
import { join } from 'node:path';
import { type Lab } from '../../src/lab/netns.js';
import { AgentSet, holders, waitFor } from '../../src/lab/agents.js';
import { pairConfig } from '../../src/lab/pairConfig.js';
import { toggleScript, usePairLab, useScriptDir } from './labHelpers.js';

const VIP = '10.1.0.100';
const HOSTS = ['d1', 'd2'];

describe('integration: notify scripts and notify_fifo', function () {
  this.timeout(60_000);
  const env = usePairLab('nt');
  const scriptDir = useScriptDir('nt');
  let lab: Lab;
  let agents: AgentSet;
  let dir: string;
  let reader: ReadStream | null = null;

  beforeEach(() => {
    lab = env.lab();
    agents = env.agents();
    dir = scriptDir();
  });

  afterEach(() => {
    reader?.destroy();
    reader = null;
  });

  const onlyHolder = (host: string) => waitFor(async () => (await holders(lab, HOSTS, VIP)).join() === host, 10_000, 20);

  it('scripts get keepalived arguments and the FIFO gets every transition in order: BACKUP, MASTER, BACKUP, MASTER, FAULT, STOP', async () => {
    const log = join(dir, 'calls.log');
    const note = join(dir, 'note.sh');
    // Each call appends its arguments as one line; a missing script must not disturb anything.
    writeFileSync(note, `#!/bin/sh\necho "$*" >> '${log}'\n`, { mode: 0o755 });
    const check = toggleScript(dir);
    const chk = check.script;
    const file = join(dir, 'fault');
    writeFileSync(file, '0\n');
    const fifo = join(dir, 'notify.fifo');
    execFileSync('mkfifo', [fifo]);
    let lines = '';
    reader = createReadStream(fifo, { encoding: 'utf8' });
    reader.on('data', (d) => (lines += d));

    const head = [
      'global_defs {',
      '    router_id d1',
      '    vrrp_version 3',
      `    notify_fifo ${fifo}`,
      '}',
      `vrrp_script chk {\n    script "${chk}"\n    interval 0.1\n    weight -60\n}`,
      `track_file tf {\n    file ${file}\n    weight 0\n}`,
      '',
    ].join('\n');
    const body = pairConfig({
      routerId: 'd1',
      priority: 150,
      version: 3,
      advertInt: 0.1,
      vips: [`${VIP}/24`],
      extra: [
        'track_script {', '    chk', '}',
        'track_file {', '    tf', '}',
        `notify_master "${note} master"`,
        `notify_backup "${note} backup"`,
        `notify_fault "${note} fault"`,
        `notify_stop "${note} stop"`,
        `notify ${note}`,
      ],
    }).replace(/^global_defs \{[^}]*\}\n/, '');
    const d1 = agents.start('vipd', 'd1', head + body);
    agents.start('vipd', 'd2', pairConfig({ routerId: 'd2', priority: 100, version: 3, advertInt: 0.1, vips: [`${VIP}/24`] }));
    assert.ok(await onlyHolder('d1'));

    check.fail(); // 150 - 60 = 90: d2 preempts, d1 → BACKUP
    assert.ok(await onlyHolder('d2'));
    check.pass();
    assert.ok(await onlyHolder('d1'));
    writeFileSync(file, '1\n'); // weight 0 and non-zero ⇒ FAULT
    assert.ok(await onlyHolder('d2'));
    assert.ok(await waitFor(() => lines.includes('FAULT'), 5000));
    assert.equal(await d1.stop('SIGTERM'), 0);

    const want = [
      'INSTANCE "VI_1" BACKUP 150',
      'INSTANCE "VI_1" MASTER 150',
      'INSTANCE "VI_1" BACKUP 90',
      'INSTANCE "VI_1" MASTER 150',
      'INSTANCE "VI_1" FAULT 150',
      'INSTANCE "VI_1" STOP 150',
    ];
    assert.ok(await waitFor(() => lines.split('\n').length > want.length, 5000), `FIFO got:\n${lines}`);
    assert.deepEqual(lines.trimEnd().split('\n'), want);

    // Scripts run concurrently (order within one transition is not guaranteed, as in keepalived), but
    // transitions seconds apart arrive in order.
    assert.ok(await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('INSTANCE VI_1 STOP 150'), 5000));
    const calls = readFileSync(log, 'utf8').trimEnd().split('\n');
    const generic = calls.filter((c) => c.startsWith('INSTANCE'));
    assert.deepEqual(generic, want.map((w) => w.replace(/"/g, '')));
    assert.deepEqual(calls.filter((c) => !c.startsWith('INSTANCE')), ['backup', 'master', 'backup', 'master', 'fault', 'stop']);
    assert.equal(existsSync(fifo), true, 'a FIFO vipd did not create is left in place');
  });
});
