// Notify across a reload (SIGHUP): new and changed scripts take effect with the next transition, scripts are
// checked again, an unchanged FIFO stays open, a changed FIFO path or reader script is replaced.
import assert from 'node:assert/strict';
import { untilIo } from '../ioTurns.js';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../../src/config/types.js';
import type { ReloadChange } from '../../../src/plugin/api.js';
import type { VrrpState } from '../../../src/vrrp/types.js';
import { NotifyPlugin, type NotifyOptions } from '../../../src/notify/plugin.js';
import type { Accounts } from '../../../src/script/security.js';
import { fakeControl, fakeSpawner, parse, stopOnClock } from '../track/helpers.js';

const noAccounts = async (): Promise<Accounts> => ({ users: new Map(), groups: new Map() });
const self = { uid: 0, gid: 0, name: 'root' };
const UNCHANGED: ReloadChange = { started: [], removed: [] };

const inst = (name: string, vrid: number, body: string) =>
  `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n priority 100\n virtual_ipaddress {\n  10.1.0.${vrid}/24\n }\n${body}\n}\n`;

function setup(text: string, opts: Partial<NotifyOptions> = {}) {
  const ctl = fakeControl(parse(text));
  const spawner = fakeSpawner();
  const refused = new Set<string>();
  const prepare: NotifyOptions['prepare'] = async (argv, who) =>
    refused.has(argv[0]!) ? { error: `Script ${argv[0]} cannot be accessed - disabling` } : { argv, uid: who.uid, gid: who.gid, warnings: [] };
  const plugin = new NotifyPlugin(ctl.config, { spawner, accounts: noAccounts, self, prepare, stopScriptMs: 20, ...opts });
  const tr = (instance: string, from: VrrpState, to: VrrpState, priority = 100) => plugin.onTransition({ instance, from, to, reason: 'test', priority });
  const reload = async (next: string, change = UNCHANGED) => {
    const cfg: Config = parse(next);
    (ctl as { config: Config }).config = cfg;
    await plugin.reload(cfg, change);
  };
  const argvs = () => spawner.runs.map((r) => r.argv.join(' '));
  return { ctl, spawner, plugin, tr, reload, refused, argvs };
}

describe('notify/plugin reload (SIGHUP)', () => {
  it('a notify script added by a reload runs on the next transition; a removed one no longer runs', async () => {
    const { plugin, ctl, tr, reload, argvs } = setup(inst('VI_1', 1, ''));
    await plugin.start(ctl);
    tr('VI_1', 'INIT', 'BACKUP');
    assert.deepEqual(argvs(), []);
    await reload(inst('VI_1', 1, ' notify_master /etc/k/master.sh\n notify /etc/k/notify.sh'));
    tr('VI_1', 'BACKUP', 'MASTER', 150);
    assert.deepEqual(argvs(), ['/etc/k/master.sh', '/etc/k/notify.sh INSTANCE VI_1 MASTER 150']);
    await reload(inst('VI_1', 1, ' notify /etc/k/other.sh'));
    tr('VI_1', 'MASTER', 'BACKUP', 100);
    assert.deepEqual(argvs().slice(2), ['/etc/k/other.sh INSTANCE VI_1 BACKUP 100']);
    await stopOnClock(plugin, ctl.clock);
  });

  it('checks scripts again: one refused at start runs once fixed, one refused now stops running', async () => {
    const { plugin, ctl, tr, reload, refused, argvs } = setup(inst('VI_1', 1, ' notify_master /m.sh\n notify_backup /b.sh'));
    refused.add('/m.sh');
    await plugin.start(ctl);
    tr('VI_1', 'BACKUP', 'MASTER');
    assert.deepEqual(argvs(), []);
    refused.clear();
    refused.add('/b.sh');
    await reload(inst('VI_1', 1, ' notify_master /m.sh\n notify_backup /b.sh'));
    tr('VI_1', 'MASTER', 'BACKUP');
    tr('VI_1', 'BACKUP', 'MASTER');
    assert.deepEqual(argvs(), ['/m.sh']);
    await stopOnClock(plugin, ctl.clock);
  });

  it('forgets the sync-group suppression state of instances the reload restarted', async () => {
    const group = 'vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\n';
    const text = inst('VI_1', 1, ' notify /n.sh') + inst('VI_2', 2, ' notify /n.sh') + group;
    const { plugin, ctl, tr, reload, argvs } = setup(text);
    (ctl as { snapshot: unknown }).snapshot = () => ({ state: 'MASTER' });
    await plugin.start(ctl);
    plugin.onGroupTransition({ group: 'G', from: 'BACKUP', to: 'MASTER' });
    tr('VI_1', 'BACKUP', 'MASTER');
    tr('VI_2', 'BACKUP', 'MASTER');
    assert.equal(argvs().length, 2);
    tr('VI_1', 'MASTER', 'MASTER' as VrrpState); // suppressed: the group already said MASTER
    assert.equal(argvs().length, 2);
    await reload(text, { started: ['VI_1', 'VI_2'], removed: [] });
    tr('VI_1', 'BACKUP', 'MASTER'); // a fresh instance's first notification is never suppressed
    assert.deepEqual(argvs().slice(2), ['/n.sh INSTANCE VI_1 MASTER 100']);
    await stopOnClock(plugin, ctl.clock);
  });
});

describe('notify/plugin reload: FIFOs (real mkfifo)', function () {
  this.timeout(10_000);
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vipd-fifor-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fifoConf = (path: string, script = '') => `global_defs {\n notify_fifo ${path}\n${script ? ` notify_fifo_script ${script}\n` : ''}}\n` + inst('VI_1', 1, '');

  async function readUntil(got: () => string, want: string): Promise<void> {
    await untilIo('every FIFO line read', () => got().length >= want.length);
  }

  it('keeps an unchanged FIFO open across a reload (the reader sees no EOF) and replaces one whose path changed', async () => {
    const a = join(dir, 'a.fifo');
    const b = join(dir, 'b.fifo');
    const { plugin, ctl, tr, reload } = setup(fifoConf(a));
    await plugin.start(ctl);
    const reader = createReadStream(a, { encoding: 'utf8' });
    let got = '';
    let ended = false;
    reader.on('data', (d) => (got += d));
    reader.on('end', () => (ended = true));
    tr('VI_1', 'INIT', 'BACKUP');
    await reload(fifoConf(a) + inst('VI_2', 2, ''));
    tr('VI_1', 'BACKUP', 'MASTER', 150);
    const want = 'INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MASTER 150\n';
    await readUntil(() => got, want);
    assert.equal(got, want);
    assert.equal(ended, false, 'still open');

    await reload(fifoConf(b));
    assert.equal(existsSync(a), false, 'the FIFO we created at the old path is removed');
    assert.ok(existsSync(b));
    await readUntil(() => (ended ? 'x' : ''), 'x');
    assert.equal(ended, true, 'the old reader sees EOF');
    const readerB = createReadStream(b, { encoding: 'utf8' });
    let gotB = '';
    readerB.on('data', (d) => (gotB += d));
    tr('VI_1', 'MASTER', 'FAULT', 150);
    await readUntil(() => gotB, 'INSTANCE "VI_1" FAULT 150\n');
    assert.equal(gotB, 'INSTANCE "VI_1" FAULT 150\n');
    await stopOnClock(plugin, ctl.clock);
    reader.destroy();
    readerB.destroy();
  });

  it('restarts a changed FIFO reader script, keeping the FIFO', async () => {
    const a = join(dir, 'a.fifo');
    const { plugin, ctl, reload, spawner } = setup(fifoConf(a, '/usr/bin/reader-v1'));
    await plugin.start(ctl);
    assert.deepEqual(spawner.runs.map((r) => r.argv.join(' ')), [`/usr/bin/reader-v1 ${a}`]);
    await reload(fifoConf(a, '/usr/bin/reader-v1'));
    assert.equal(spawner.runs.length, 1, 'unchanged reader left alone');
    await reload(fifoConf(a, '/usr/bin/reader-v2'));
    assert.deepEqual(spawner.runs[0]!.signals, ['SIGTERM']);
    assert.deepEqual(spawner.runs.map((r) => r.argv.join(' ')), [`/usr/bin/reader-v1 ${a}`, `/usr/bin/reader-v2 ${a}`]);
    assert.ok(existsSync(a));
    await stopOnClock(plugin, ctl.clock);
    assert.deepEqual(spawner.runs[1]!.signals, ['SIGTERM', 'SIGKILL']);
  });
});
