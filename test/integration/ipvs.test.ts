// IpvsClient against real IPVS: one user-mode Linux boot (test/uml/uml.ts) runs test/uml/scenarios/ipvsGuest.ts,
// which programs the kernel through our generic netlink client and records, at each step, what ipvsadm (the
// independent checker) prints and what our dump decodes. Here we check both against the expected table, written
// out by hand from what the scenario asked for.
//
// Run alone, under the lab lock (CPU-heavy):
//   flock /tmp/vipd-uml.lock npx mocha --no-config --exit --timeout 300000 dist/test/integration/ipvs.test.js
// VIPD_UML_KEEP=1 keeps the shared directory (captures.json, ipvs-result.json) for new fixtures.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RealClock } from '../../src/clock/realClock.js';
import { VipdError } from '../../src/errors/vipdError.js';
import { IpvsClient } from '../../src/lvs/ipvs/client.js';
import type { DaemonSpec, IpvsTimeouts } from '../../src/lvs/ipvs/types.js';
import { listColumns, parseListing, renderListHeader, renderRules, ruleLines, type TableEntry } from '../uml/ipvsadm.js';
import { runDummyGuest } from '../uml/dummyGuest.js';
import type { UmlRun } from '../uml/uml.js';

const GUEST_SCRIPT = fileURLToPath(new URL('../uml/scenarios/ipvsGuest.js', import.meta.url));
const MODULES = ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_sh', 'ip_vs_mh', 'dummy'];

interface Checkpoint {
  name: string;
  rules: string;
  list: string;
  thresholds: string;
  persistent: string;
  ours: TableEntry[];
}

interface GuestResult {
  info: { version: string; connTabSize: number };
  timeoutsBefore: IpvsTimeouts;
  timeoutsAfter: IpvsTimeouts;
  ipvsadmTimeoutBefore: string;
  ipvsadmTimeoutAfter: string;
  errors: Record<string, { code: string; message: string }>;
  getMissingService: unknown;
  getOneService: { address: string; scheduler: string } | null;
  destsOfMissingService: unknown[];
  daemon: Record<string, { ipvsadm: string; ours: DaemonSpec[] } | { code: string }>;
  checkpoints: Checkpoint[];
  drops: Record<string, number>;
  elapsedMs: number;
}

const SCHEDULER_RULES = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'].map(
  (s, i) => `-A -t 10.0.2.${i + 1}:80 -s ${s}`,
);

/** What ipvsadm -S -n must print after the scenario's programming step. */
const ADDED = [
  '-A -t 10.0.0.1:80 -s wrr',
  '-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 3',
  '-a -t 10.0.0.1:80 -r 10.1.0.2:80 -g -w 1',
  '-a -t 10.0.0.1:80 -r 10.1.0.3:80 -i -w 0 --tun-type ipip',
  '-A -u 10.0.0.2:53 -s sh -o -b sh-fallback,sh-port',
  '-a -u 10.0.0.2:53 -r 10.1.0.4:53 -m -w 1',
  '-A -t 10.0.0.3:443 -s mh -p 300 -M 255.255.255.0 -b mh-port',
  '-a -t 10.0.0.3:443 -r 10.1.0.5:443 -g -w 2',
  '-A -f 7 -s rr -p 60',
  '-a -f 7 -r 10.1.0.6:0 -g -w 1',
  '-A -f 8 -6 -s mh -b mh-fallback',
  '-a -f 8 -6 -r [2001:db8::20]:0 -g -w 1',
  '-A -t [2001:db8::1]:80 -s wlc -p 120 -M 64',
  '-a -t [2001:db8::1]:80 -r [2001:db8::10]:80 -m -w 5',
  '-a -t [2001:db8::1]:80 -r [2001:db8::11]:80 -i -w 4 --tun-type gue --tun-port 6080 --tun-csum',
  '-A --sctp-service 10.0.0.9:5000 -s rr',
  '-a --sctp-service 10.0.0.9:5000 -r 10.1.0.7:5000 -m -w 1',
  ...SCHEDULER_RULES,
];

/** After editing: WEB now wlc persistent 30 s /24, one dest reweighted, the tunnel dest turned DR, a dest and MARK7 gone. */
const EDITED = [
  '-A -t 10.0.0.1:80 -s wlc -p 30 -M 255.255.255.0',
  '-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 7',
  '-a -t 10.0.0.1:80 -r 10.1.0.3:80 -g -w 2',
  '-A -u 10.0.0.2:53 -s sh -b sh-port',
  '-a -u 10.0.0.2:53 -r 10.1.0.4:53 -m -w 1',
  ...ADDED.slice(6, 8),
  ...ADDED.slice(10),
];

function checkpointNamed(r: GuestResult, name: string): Checkpoint {
  const c = r.checkpoints.find((x) => x.name === name);
  assert.ok(c, `checkpoint ${name} missing`);
  return c;
}

/** Every listing column ipvsadm printed equals ours, for every service and destination. */
function assertListingsAgree(c: Checkpoint): void {
  const list = parseListing(c.list);
  const thresholds = parseListing(c.thresholds);
  const persistent = parseListing(c.persistent);
  assert.equal(list.size, c.ours.length, `${c.name}: number of services`);
  for (const { service, dests } of c.ours) {
    const header = renderListHeader(service);
    const rows = list.get(header);
    assert.ok(rows, `${c.name}: ipvsadm -Ln has no service line "${header}"; it has ${[...list.keys()].join(' | ')}`);
    assert.equal(rows.size, dests.length, `${c.name}: ${header}: number of destinations`);
    for (const d of dests) {
      const addr = d.family === 'inet6' ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`;
      assert.deepEqual(rows.get(addr), listColumns(d), `${c.name}: ${header} -> ${addr} (-Ln)`);
      assert.deepEqual(
        thresholds.get(header)?.get(addr),
        [d.upperThreshold, d.lowerThreshold, d.activeConns, d.inactiveConns].map(String),
        `${c.name}: ${header} -> ${addr} (--thresholds)`,
      );
      assert.deepEqual(
        persistent.get(header)?.get(addr),
        [d.weight, d.persistentConns, d.activeConns, d.inactiveConns].map(String),
        `${c.name}: ${header} -> ${addr} (--persistent-conn)`,
      );
    }
  }
}

describe('IPVS over generic netlink, in user-mode Linux, checked with ipvsadm', function () {
  this.timeout(300_000);
  let run: UmlRun | null = null;
  let r: GuestResult;

  before(async function () {
    ({ run, result: r } = await runDummyGuest<GuestResult>(this, { name: 'ipvs', script: GUEST_SCRIPT, modules: MODULES, timeoutMs: 240_000 }));
  });

  after(() => {
    if (run && process.env['VIPD_UML_KEEP'] !== '1') run.cleanup();
  });

  it('GET_INFO and GET_CONFIG agree with ipvsadm; SET_CONFIG is visible in ipvsadm --timeout', () => {
    assert.equal(r.info.version, '1.2.1');
    const t = r.timeoutsBefore;
    assert.equal(r.ipvsadmTimeoutBefore.trim(), `Timeout (tcp tcpfin udp): ${t.tcpS} ${t.tcpFinS} ${t.udpS}`);
    assert.deepEqual(r.timeoutsAfter, { tcpS: 1000, tcpFinS: 100, udpS: 200 });
    assert.equal(r.ipvsadmTimeoutAfter.trim(), 'Timeout (tcp tcpfin udp): 1000 100 200');
  });

  it('programmed services (IPv4/IPv6, tcp/udp/sctp, fwmark, 13 schedulers, sh/mh flags, persistence, one-packet, NAT/DR/TUN) are what ipvsadm -S lists', () => {
    const c = checkpointNamed(r, 'added');
    assert.deepEqual(ruleLines(c.rules), [...ADDED].sort());
  });

  it('our dump decodes back to the same table: rules, weights, forwarding, thresholds, persistent conns', () => {
    for (const name of ['added', 'edited', 'after-errors']) {
      const c = checkpointNamed(r, name);
      assert.deepEqual(renderRules(c.ours).sort(), ruleLines(c.rules), `${name}: our dump as ipvsadm -S`);
      assertListingsAgree(c);
    }
  });

  it('edits (scheduler, persistence, weights, thresholds, forwarding) and deletes reach the kernel', () => {
    const c = checkpointNamed(r, 'edited');
    assert.deepEqual(ruleLines(c.rules), [...EDITED].sort());
    const web = c.ours.find((e) => e.service.address === '10.0.0.1')!;
    const d = web.dests.find((x) => x.address === '10.1.0.1')!;
    assert.deepEqual([d.upperThreshold, d.lowerThreshold], [100, 50]);
  });

  it('bad requests give named errors, no crash, and change nothing', () => {
    const codes = Object.fromEntries(Object.entries(r.errors).map(([k, v]) => [k, v.code]));
    assert.deepEqual(codes, {
      duplicateService: 'VIPD_ERR_IPVS_SERVICE_EXISTS',
      unknownScheduler: 'VIPD_ERR_IPVS_UNKNOWN_SCHEDULER',
      twosScheduler: 'VIPD_ERR_IPVS_UNKNOWN_SCHEDULER', // this kernel build has no ip_vs_twos module
      duplicateDest: 'VIPD_ERR_IPVS_DEST_EXISTS',
      missingDest: 'VIPD_ERR_IPVS_NO_SUCH_DEST',
      missingService: 'VIPD_ERR_IPVS_NO_SUCH_SERVICE',
      destOfMissingService: 'VIPD_ERR_IPVS_NO_SUCH_SERVICE',
      negativeWeight: 'VIPD_ERR_IPVS_REFUSED',
      thresholdsInverted: 'VIPD_ERR_IPVS_REFUSED',
      invalidLocally: 'VIPD_ERR_IPVS_INVALID',
    });
    assert.match(r.errors['duplicateService']!.message, /NEW_SERVICE TCP 10\.0\.0\.1:80 .*EEXIST/);
    assert.match(r.errors['unknownScheduler']!.message, /\(bogus\): ENOENT/);
    assert.equal(r.getMissingService, null);
    assert.deepEqual(r.destsOfMissingService, []);
    assert.equal(r.getOneService?.address, '10.0.0.3');
    assert.deepEqual(ruleLines(checkpointNamed(r, 'after-errors').rules), [...EDITED].sort());
  });

  it('sync daemons started and stopped over netlink are what ipvsadm -L --daemon shows', () => {
    const both = r.daemon['both'] as { ipvsadm: string; ours: DaemonSpec[] };
    assert.deepEqual(both.ipvsadm.trim().split('\n'), [
      'master sync daemon (mcast=dummy0, syncid=5, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)',
      'backup sync daemon (mcast=dummy0, syncid=6, maxlen=1400, group=224.0.0.82, port=8849, ttl=2)',
    ]);
    assert.deepEqual(
      both.ours.map((d) => `${d.state} ${d.ifname} ${d.syncId} ${d.maxLen} ${d.group} ${d.port} ${d.ttl}`),
      ['master dummy0 5 1472 224.0.0.81 8848 1', 'backup dummy0 6 1400 224.0.0.82 8849 2'],
    );
    assert.deepEqual(r.daemon['duplicateStart'], { code: 'VIPD_ERR_IPVS_REFUSED', message: 'IPVS NEW_DAEMON sync daemon master on dummy0 id 5: EEXIST' });
    const backupOnly = r.daemon['backupOnly'] as { ipvsadm: string; ours: DaemonSpec[] };
    assert.match(backupOnly.ipvsadm.trim(), /^backup sync daemon \(mcast=dummy0, syncid=6/);
    assert.deepEqual(backupOnly.ours.map((d) => d.state), ['backup']);
    const none = r.daemon['none'] as { ipvsadm: string; ours: DaemonSpec[] };
    assert.deepEqual([none.ipvsadm.trim(), none.ours], ['', []]);
  });

  it('FLUSH empties the table; no reply was dropped', () => {
    const c = checkpointNamed(r, 'flushed');
    assert.deepEqual(ruleLines(c.rules), []);
    assert.deepEqual(c.ours, []);
    assert.ok(Object.values(r.drops).every((n) => n === 0), JSON.stringify(r.drops));
  });
});

describe('IPVS client on a kernel without IPVS (the lab host itself)', () => {
  it('open() rejects with VIPD_ERR_IPVS_UNAVAILABLE naming modprobe ip_vs', async function () {
    if (process.platform !== 'linux' || existsSync('/proc/net/ip_vs')) {
      console.log('      skipped: this kernel has IPVS loaded (the case needs one without)');
      this.skip();
    }
    await assert.rejects(IpvsClient.open({ clock: new RealClock(), timeoutMs: 5000 }), (e: unknown) => {
      return e instanceof VipdError && e.code === 'VIPD_ERR_IPVS_UNAVAILABLE' && /modprobe ip_vs/.test(e.message);
    });
  });
});
