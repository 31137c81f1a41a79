// The adapter between the shell's lvs_sync_daemon port and the kernel driver (src/lvs/shell/ipvsSyncDaemon.ts),
// over a fake client: its own client opened at start and closed at stop, transitions of the followed instance
// only, refusals logged and counted (never thrown), GET_DAEMON state for the metrics re-asked at most every
// maxAgeMs and never fabricated when the kernel does not answer.
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../../src/clock/virtualClock.js';
import type { LvsSyncDaemonConfig } from '../../../../src/config/lvsTypes.js';
import type { DaemonState } from '../../../../src/lvs/ipvs/constants.js';
import type { DaemonSpec } from '../../../../src/lvs/ipvs/types.js';
import { IpvsSyncDaemon, type ClosableSyncDaemonClient } from '../../../../src/lvs/shell/ipvsSyncDaemon.js';
import { GenlError } from '../../../../src/net/genlSocket.js';
import { recordingLogger } from '../../track/helpers.js';

const EINVAL = 22;
const ESRCH = 3;

function cfg(instance: string | null): LvsSyncDaemonConfig {
  return { interface: 'eth1', instance, syncId: 51, maxLen: null, port: null, ttl: null, group: null, source: { file: 'k', line: 1 } } as unknown as LvsSyncDaemonConfig;
}

/** A kernel that keeps the running daemons; `refuse` answers a call ("start master") with an errno. */
class FakeDaemons implements ClosableSyncDaemonClient {
  readonly calls: string[] = [];
  readonly running = new Map<DaemonState, DaemonSpec>();
  readonly refuse = new Map<string, number>();
  closed = false;
  getFails = false;
  gets = 0;
  async startDaemon(d: DaemonSpec): Promise<void> {
    this.answer(`start ${d.state}`);
    this.running.set(d.state, d);
  }
  async stopDaemon(state: DaemonState): Promise<void> {
    this.answer(`stop ${state}`);
    if (!this.running.delete(state)) throw new GenlError('VIPD_ERR_IPVS_REFUSED', 'no such daemon', { errno: ESRCH });
  }
  async getDaemons(): Promise<DaemonSpec[]> {
    this.gets++;
    if (this.getFails) throw new GenlError('VIPD_ERR_GENL_TIMEOUT', 'no answer');
    return [...this.running.values()];
  }
  close(): void {
    this.closed = true;
  }
  private answer(call: string): void {
    this.calls.push(call);
    const errno = this.refuse.get(call);
    if (errno) throw new GenlError('VIPD_ERR_IPVS_REFUSED', `IPVS ${call}: errno ${errno}`, { errno });
  }
}

function setup(instance: string | null) {
  const clock = new VirtualClock();
  const logger = recordingLogger();
  const fake = new FakeDaemons();
  let opened = 0;
  const daemon = new IpvsSyncDaemon(cfg(instance), { clock, logger }, async () => (opened++, fake));
  return { clock, logger, fake, daemon, opened: () => opened };
}

const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe('lvs shell: IPVS sync daemon adapter', () => {
  it('without inst: opens its own client, stops stale daemons, starts both, stops both and closes at stop', async () => {
    const s = setup(null);
    await s.daemon.start();
    assert.equal(s.opened(), 1);
    assert.deepEqual(s.fake.calls, ['stop master', 'stop backup', 'start master', 'start backup']);
    s.daemon.onInstanceState('VI_1', 'MASTER'); // no instance followed: nothing changes
    await turns();
    assert.equal(s.fake.calls.length, 4);
    await s.daemon.stop();
    assert.deepEqual(s.fake.calls.slice(4), ['stop master', 'stop backup']);
    assert.ok(s.fake.closed);
  });

  it('with inst: backup at start, master when that instance (and only it) is MASTER, backup again when it leaves', async () => {
    const s = setup('VI_1');
    await s.daemon.start();
    assert.deepEqual([...s.fake.running.keys()], ['backup']);
    s.daemon.onInstanceState('VI_2', 'MASTER');
    await turns();
    assert.deepEqual([...s.fake.running.keys()], ['backup']);
    s.daemon.onInstanceState('VI_1', 'MASTER');
    await turns(10);
    assert.deepEqual([...s.fake.running.keys()], ['master']);
    s.daemon.onInstanceState('VI_1', 'BACKUP');
    await turns(10);
    assert.deepEqual([...s.fake.running.keys()], ['backup']);
    await s.daemon.stop();
    assert.equal(s.fake.running.size, 0);
  });

  it('a refused start (EINVAL: mixed families) is logged with its cause and counted, not thrown', async () => {
    const s = setup(null);
    s.fake.refuse.set('start master', EINVAL);
    await s.daemon.start();
    assert.equal(s.daemon.status().errors, 1);
    assert.ok(s.logger.lines.some((l) => l.startsWith('error lvs_sync_daemon:') && l.includes('VIPD_ERR_IPVS_SYNCD_REFUSED')), s.logger.lines.join('\n'));
    await s.daemon.stop();
  });

  it('GET_DAEMON for the metrics: unknown before the first answer, re-asked only when older than maxAgeMs, unknown when it fails', async () => {
    const s = setup(null);
    await s.daemon.start();
    assert.deepEqual(s.daemon.status(), { errors: 0, kernel: null });
    s.daemon.refresh(5000);
    s.daemon.refresh(5000); // one question in flight at a time
    await turns();
    assert.equal(s.fake.gets, 1);
    assert.deepEqual(s.daemon.status().kernel, [
      { state: 'master', ifname: 'eth1', syncId: 51 },
      { state: 'backup', ifname: 'eth1', syncId: 51 },
    ]);
    s.daemon.refresh(5000);
    await turns();
    assert.equal(s.fake.gets, 1, 'fresh enough');
    s.clock.advance(5000);
    s.fake.getFails = true;
    s.daemon.refresh(5000);
    await turns();
    assert.equal(s.fake.gets, 2);
    assert.equal(s.daemon.status().kernel, null);
    assert.ok(s.logger.lines.some((l) => l.startsWith('warn lvs_sync_daemon: asking the kernel')));
    await s.daemon.stop();
    s.daemon.refresh(0);
    assert.equal(s.fake.gets, 2, 'nothing asked once stopped');
  });
});
