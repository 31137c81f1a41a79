// A two-instance vrrp_sync_group in the pair lab: only VI_1 tracks a script, yet when it fails both VIPs move
// to the other director together (keepalived vrrp_sync.c: any member FAULT drags the group to FAULT), and
// both come back together.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, type ReadStream } from 'node:fs';
import { join } from 'node:path';
import { type Lab } from '../../src/lab/netns.js';
import { AgentSet, holders, waitFor } from '../../src/lab/agents.js';
import { toggleScript, usePairLab, useScriptDir } from './labHelpers.js';

const VIP1 = '10.1.0.100';
const VIP2 = '10.1.0.101';
const HOSTS = ['d1', 'd2'];

function config(routerId: string, priority: number, script: string | null, fifo: string | null = null): string {
  const inst = (name: string, vrid: number, vip: string, track: boolean) =>
    [
      `vrrp_instance ${name} {`,
      '    state BACKUP',
      '    interface eth0',
      `    virtual_router_id ${vrid}`,
      `    priority ${priority}`,
      '    advert_int 0.1',
      '    virtual_ipaddress {',
      `        ${vip}/24`,
      '    }',
      ...(track ? ['    track_script {', '        chk', '    }'] : []),
      '}',
    ].join('\n');
  return [
    'global_defs {',
    `    router_id ${routerId}`,
    '    vrrp_version 3',
    ...(fifo ? [`    vrrp_notify_fifo ${fifo}`] : []),
    '}',
    ...(script ? [`vrrp_script chk {\n    script "${script}"\n    interval 0.1\n}`] : []),
    'vrrp_sync_group VG_1 {',
    '    group {',
    '        VI_1',
    '        VI_2',
    '    }',
    '}',
    inst('VI_1', 51, VIP1, script !== null),
    inst('VI_2', 52, VIP2, false),
    '',
  ].join('\n');
}

describe('integration: sync group with one tracked member', function () {
  this.timeout(60_000);
  const env = usePairLab('sg');
  const scriptDir = useScriptDir('sg');
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

  const both = (host: string) =>
    waitFor(async () => (await holders(lab, HOSTS, VIP1)).join() === host && (await holders(lab, HOSTS, VIP2)).join() === host, 10_000, 20);

  it('moves both VIPs when only VI_1’s tracker fails, and brings both back', async () => {
    const check = toggleScript(dir);
    const script = check.script;
    const fifo = join(dir, 'vrrp.fifo');
    execFileSync('mkfifo', [fifo]);
    let lines = '';
    reader = createReadStream(fifo, { encoding: 'utf8' }).on('data', (d) => (lines += d));
    const d1 = agents.start('vipd', 'd1', config('d1', 150, script, fifo));
    agents.start('vipd', 'd2', config('d2', 100, null));
    assert.ok(await both('d1'), 'd1 holds both VIPs');

    check.fail();
    assert.ok(await both('d2'), 'd2 holds both VIPs after VI_1 on d1 went FAULT');
    assert.deepEqual(await holders(lab, ['d1'], VIP2), [], 'VI_2 left d1 although its own trackers are fine');
    assert.match(d1.output(), /\(VI_1\) Entering FAULT STATE \(track_script chk\)/);
    assert.match(d1.output(), /\(VI_2\) Entering FAULT STATE \(sync group\)/);

    check.pass();
    assert.ok(await both('d1'), 'both VIPs return to d1 together');

    // keepalived notifies the members first and the group last (vrrp_sync.c:140-244).
    assert.ok(await waitFor(() => (lines.match(/GROUP "VG_1" MASTER 0/g) ?? []).length === 2, 5000), lines);
    const rows = lines.trimEnd().split('\n');
    if (process.env['VIPD_TEST_DEBUG']) console.log(rows.join('\n'));
    const groupRows = rows.map((r, i) => [r, i] as const).filter(([r]) => r.startsWith('GROUP'));
    assert.deepEqual(groupRows.map(([r]) => r), ['GROUP "VG_1" BACKUP 0', 'GROUP "VG_1" MASTER 0', 'GROUP "VG_1" FAULT 0', 'GROUP "VG_1" BACKUP 0', 'GROUP "VG_1" MASTER 0']);
    for (const [row, i] of groupRows) {
      const state = row.split(' ')[2]!;
      for (const inst of ['VI_1', 'VI_2']) {
        const last = rows.slice(0, i).filter((r) => r.startsWith(`INSTANCE "${inst}"`)).at(-1);
        assert.equal(last?.split(' ')[2], state, `${inst} was notified ${state} before the group (rows: ${rows.join(' | ')})`);
      }
    }
  });
});
