// The IPVS data plane and the lvs_sync_daemon driver against real IPVS: one user-mode Linux boot
// (test/uml/uml.ts) runs test/uml/scenarios/planeGuest.ts, which programs tables through IpvsDataPlane and
// records what ipvsadm (the independent checker) prints and what the plane reads back. Expected tables are
// written out by hand in test/uml/scenarios/planeTable.ts.
//
// Run alone, under the UML lock (CPU-heavy):
//   flock /tmp/vipd-uml.lock npx mocha --no-config --exit --timeout 300000 dist/test/integration/ipvsPlane.test.js
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RealClock } from '../../src/clock/realClock.js';
import { VipdError } from '../../src/errors/vipdError.js';
import { IpvsDataPlane } from '../../src/lvs/ipvs/plane.js';
import type { TableService } from '../../src/lvs/model.js';
import { parseListing, ruleLines } from '../uml/ipvsadm.js';
import { sortedTable, TABLE, TABLE_RULES } from '../uml/scenarios/planeTable.js';
import { runDummyGuest } from '../uml/dummyGuest.js';
import type { UmlRun } from '../uml/uml.js';

const GUEST_SCRIPT = fileURLToPath(new URL('../uml/scenarios/planeGuest.js', import.meta.url));
const MODULES = ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_wlc', 'ip_vs_sh', 'dummy'];

interface Failed {
  index: number;
  op: string;
  code: string;
  message: string;
}

interface GuestResult {
  table: { failed: Failed[]; rules: string; list: string; read: { services: TableService[]; counters: Record<string, { dests: Record<string, { activeConns: number }> }> } };
  tolerances: { againFailed: Failed[]; failed: Failed[]; counts: Record<string, number>; rules: string };
  refusals: { failed: Failed[]; rules: string };
  syncd: {
    bothStartErrors: string[];
    bothStarted: { ipvsadm: string; ours: { state: string; syncId: number }[] };
    bothIgnoresVrrp: number;
    bothStopErrors: string[];
    bothStopped: string;
    inst: Record<string, { errors: string[]; ipvsadm: string }>;
    mixedAdd: Failed[];
    mixed: { errors: { code: string; message: string }[]; ipvsadm: string };
  };
  big: {
    ops: number;
    failed: number;
    againFailed: number;
    againTolerated: { service: number; dest: number };
    readServices: number;
    readDests: number;
    readMatches: boolean;
    ipvsadmServices: number;
    ipvsadmDests: number;
    applyMs: number;
    readMs: number;
    againMs: number;
  };
  drops: { plane: Record<string, number>; admin: Record<string, number> };
  elapsedMs: number;
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l.length > 0);
const DAEMON_DEFAULTS = 'maxlen=1472, group=224.0.0.81, port=8848, ttl=1';
const INST_DAEMON = 'syncid=51, maxlen=1400, group=224.0.0.82, port=8849, ttl=2';

describe('IPVS data plane and lvs_sync_daemon, in user-mode Linux, checked with ipvsadm', function () {
  this.timeout(300_000);
  let run: UmlRun | null = null;
  let r: GuestResult;

  before(async function () {
    ({ run, result: r } = await runDummyGuest<GuestResult>(this, { name: 'plane', script: GUEST_SCRIPT, modules: MODULES, timeoutMs: 280_000 }));
  });

  after(() => {
    if (run && process.env['VIPD_UML_KEEP'] !== '1') run.cleanup();
  });

  it('applies a table (NAT/DR/TUN, IPv4+IPv6, fwmark, persistence, sh with sh-port) that ipvsadm -S and -Ln show', () => {
    assert.deepEqual(r.table.failed, []);
    assert.deepEqual(ruleLines(r.table.rules), [...TABLE_RULES].sort());
    assert.equal(parseListing(r.table.list).size, TABLE.length);
  });

  it('read() round-trips the table, with counters for every service and destination', () => {
    assert.deepEqual(sortedTable(r.table.read.services), sortedTable(TABLE));
    for (const s of TABLE) {
      const id = s.spec.fwmark !== undefined ? `fwm:${s.spec.family}:${s.spec.fwmark}` : s.spec.family === 'inet6' ? `${s.spec.protocol}:[${s.spec.address}]:${s.spec.port}` : `${s.spec.protocol}:${s.spec.address}:${s.spec.port}`;
      const c = r.table.read.counters[id];
      assert.ok(c, `counters for ${id}`);
      assert.equal(Object.keys(c.dests).length, s.dests.length, id);
    }
  });

  it('keepalived tolerances: adds twice, deletes of missing entries and an edit of a missing dest all succeed, counted', () => {
    assert.deepEqual(r.tolerances.againFailed, []);
    assert.deepEqual(r.tolerances.failed, []);
    assert.deepEqual(r.tolerances.counts, {
      'add-service-exists': 6,
      'add-dest-exists': 9,
      'del-service-missing': 1,
      'del-dest-missing': 2,
      'edit-dest-readded': 1,
    });
    assert.deepEqual(ruleLines(r.tolerances.rules), [...TABLE_RULES, '-a -t 10.0.0.1:80 -r 10.1.0.9:80 -g -w 7'].sort());
  });

  it('refusals inside a batch are attributed to their own operation; the rest of the batch takes effect', () => {
    assert.deepEqual(
      r.refusals.failed.map((f) => `${f.index} ${f.op} ${f.code}`),
      ['0 addDest VIPD_ERR_IPVS_REFUSED', '1 addDest VIPD_ERR_IPVS_NO_SUCH_SERVICE', '3 editService VIPD_ERR_IPVS_UNKNOWN_SCHEDULER'],
    );
    assert.match(r.refusals.failed[0]!.message, /NEW_DEST TCP 10\.0\.0\.1:80 -> 10\.1\.0\.20:80: ERANGE/);
    const expected = [...TABLE_RULES, '-a -t 10.0.0.1:80 -r 10.1.0.9:80 -g -w 7', '-a -t 10.0.0.1:80 -r 10.1.0.22:80 -g -w 1'].filter(
      (l) => l !== '-a -t 10.0.0.1:80 -r 10.1.0.2:80 -g -w 1',
    );
    assert.deepEqual(ruleLines(r.refusals.rules), expected.sort());
  });

  it('lvs_sync_daemon without inst: both daemons at start (stale stops are no error), none after stop, VRRP ignored', () => {
    assert.deepEqual(r.syncd.bothStartErrors, []);
    assert.deepEqual(lines(r.syncd.bothStarted.ipvsadm), [
      `master sync daemon (mcast=dummy0, syncid=7, ${DAEMON_DEFAULTS})`,
      `backup sync daemon (mcast=dummy0, syncid=7, ${DAEMON_DEFAULTS})`,
    ]);
    assert.deepEqual(r.syncd.bothStarted.ours.map((d) => `${d.state} ${d.syncId}`), ['master 7', 'backup 7']);
    assert.equal(r.syncd.bothIgnoresVrrp, 0);
    assert.deepEqual(r.syncd.bothStopErrors, []);
    assert.deepEqual(lines(r.syncd.bothStopped), []);
  });

  it('lvs_sync_daemon with inst: backup at start, master while MASTER, backup after, none after stop (ipvsadm -L --daemon)', () => {
    const seen = Object.fromEntries(Object.entries(r.syncd.inst).map(([k, v]) => [k, { errors: v.errors, daemons: lines(v.ipvsadm) }]));
    const backup = [`backup sync daemon (mcast=dummy0, ${INST_DAEMON})`];
    const master = [`master sync daemon (mcast=dummy0, ${INST_DAEMON})`];
    assert.deepEqual(seen, {
      start: { errors: [], daemons: backup },
      master: { errors: [], daemons: master },
      backup: { errors: [], daemons: backup },
      masterAgain: { errors: [], daemons: master },
      stop: { errors: [], daemons: [] },
    });
  });

  it('with a mixed-family destination the kernel refuses NEW_DAEMON: VIPD_ERR_IPVS_SYNCD_REFUSED naming the cause', () => {
    assert.deepEqual(r.syncd.mixedAdd, []);
    assert.deepEqual(r.syncd.mixed.errors.map((e) => e.code), ['VIPD_ERR_IPVS_SYNCD_REFUSED', 'VIPD_ERR_IPVS_SYNCD_REFUSED']);
    assert.match(r.syncd.mixed.errors[0]!.message, /other address family/);
    assert.deepEqual(lines(r.syncd.mixed.ipvsadm), []);
  });

  it('1,000 services × 10 dests are programmed, read back and re-applied (11,000 EEXIST tolerated); no reply dropped', () => {
    const b = r.big;
    console.log(
      `      1,000 × 10 (${b.ops} operations): apply ${b.applyMs} ms, read ${b.readMs} ms, re-apply (all EEXIST) ${b.againMs} ms, inside UML (information, no assertion)`,
    );
    assert.deepEqual(
      [b.failed, b.againFailed, b.againTolerated, b.readServices, b.readDests, b.readMatches, b.ipvsadmServices, b.ipvsadmDests],
      [0, 0, { service: 1000, dest: 10000 }, 1000, 10000, true, 1000, 10000],
    );
    for (const drops of [r.drops.plane, r.drops.admin]) assert.ok(Object.values(drops).every((n) => n === 0), JSON.stringify(drops));
  });
});

describe('IPVS data plane on a kernel without IPVS (the lab host itself)', () => {
  it('open() rejects with VIPD_ERR_IPVS_UNAVAILABLE naming modprobe ip_vs and the nftables data plane', async function () {
    if (process.platform !== 'linux' || existsSync('/proc/net/ip_vs')) {
      console.log('      skipped: this kernel has IPVS loaded (the case needs one without)');
      this.skip();
    }
    if (process.getuid?.() !== 0) {
      console.log('      skipped: needs root (a generic netlink socket for the family lookup)');
      this.skip();
    }
    await assert.rejects(IpvsDataPlane.open({ clock: new RealClock(), timeoutMs: 5000 }), (e: unknown) => {
      return e instanceof VipdError && e.code === 'VIPD_ERR_IPVS_UNAVAILABLE' && /modprobe ip_vs/.test(e.message) && /vipd_lvs_dataplane nftables/.test(e.message);
    });
  });
});
