// Malformed and foreign packets handed to a running Daemon's socket: each is dropped, counted under its reason
// in the daemon's metrics, and never throws out of the receive callback. Packets are hand-assembled here
// (not produced by the encoder under test); one well-formed control packet proves the builder is right.
import assert from 'node:assert/strict';
import { Cluster, metricValue, type Node } from './harness.js';
import { CONFIG_V2, v2Packet } from './handBuiltAdvert.js';

describe('daemon (in-memory OS): malformed packets', function () {
  this.timeout(20_000);
  let cluster: Cluster;
  let d1: Node;

  beforeEach(async () => {
    cluster = new Cluster();
    d1 = await cluster.start('d1', 1, CONFIG_V2);
    // v2 at 1 s: BACKUP for the Master_Down_Interval (~3.6 s), long enough to feed it packets.
    await cluster.waitFor('d1 BACKUP', () => d1.daemon.states().VI_1 === 'BACKUP');
  });

  afterEach(async () => {
    await cluster.stopAll();
  });

  const drops = async (iname: string, reason: string, extra: Record<string, string> = {}) =>
    metricValue(await d1.daemon.metrics.metricsText(), 'vipd_drops_total', { iname, reason, ...extra }) ?? 0;

  it('accepts the well-formed control packet (the hand-built advert is right)', () => {
    d1.os.inject('eth0', v2Packet());
    const c = d1.daemon.metrics.counters().VI_1!;
    assert.equal(c.advert_rcvd, 1);
    assert.equal(d1.daemon.views()[0]!.masterAddress, '10.1.0.9');
  });

  it('drops truncated, wrong-TTL, bad-checksum and wrong-password adverts, each counted by reason, without throwing', async () => {
    const cases: { reason: string; packet: Buffer; keepalived?: 'ip_ttl_err' | 'auth_failure' }[] = [
      { reason: 'truncated', packet: v2Packet().subarray(0, 24) }, // IP header + half a VRRP header (VRID readable)
      { reason: 'ip_ttl_err', packet: v2Packet({ ttl: 64 }), keepalived: 'ip_ttl_err' }, // RFC 5798 §7.1
      { reason: 'checksum_err', packet: v2Packet({ corruptChecksum: true }) },
      { reason: 'auth_failure', packet: v2Packet({ password: 'guess' }), keepalived: 'auth_failure' },
    ];
    for (const { reason, packet, keepalived } of cases) {
      assert.doesNotThrow(() => d1.os.inject('eth0', packet), reason);
      assert.equal(await drops('VI_1', reason), 1, `vipd_drops_total{reason="${reason}"}`);
      if (keepalived) assert.equal(d1.daemon.metrics.counters().VI_1![keepalived], 1, `keepalived ${keepalived}`);
    }
    assert.equal(d1.daemon.metrics.counters().VI_1!.advert_rcvd, 0, 'none was accepted');
    assert.equal(d1.daemon.states().VI_1, 'BACKUP');
    assert.equal(d1.daemon.views()[0]!.masterAddress, null, 'no master learned from garbage');
    // Reasons not hit stay at zero (series pre-created), so the counts above are not blanket increments.
    assert.equal(await drops('VI_1', 'version_mismatch'), 0);
  });

  it('counts packets too short to name a VRID, and garbage, as unmatched; never throws', async () => {
    assert.doesNotThrow(() => d1.os.inject('eth0', Buffer.from([0x45, 0, 0, 10, 0, 0, 0, 0, 255, 112]), { dst: '224.0.0.18' }));
    assert.doesNotThrow(() => d1.os.inject('eth0', Buffer.alloc(0), { dst: '224.0.0.18' }));
    assert.equal(await drops('', 'truncated', { intf: 'eth0' }), 2);
    for (let i = 0; i < 50; i++) {
      const junk = Buffer.from(Array.from({ length: 20 + ((i * 37) % 60) }, (_, j) => (i * 131 + j * 17) & 0xff));
      assert.doesNotThrow(() => d1.os.inject('eth0', junk, { dst: '224.0.0.18' }));
    }
    assert.equal(d1.daemon.states().VI_1, 'BACKUP');
  });

  it('counts an advert for a VRID nobody here runs as unmatched unknown_vrid, with its VRID', async () => {
    d1.os.inject('eth0', v2Packet({ vrid: 99 }));
    d1.os.inject('eth0', v2Packet({ vrid: 99 }));
    assert.equal(await drops('', 'unknown_vrid', { intf: 'eth0', vrid: '99' }), 2);
    assert.equal(await drops('VI_1', 'unknown_vrid'), 0, 'not charged to the instance');
    assert.equal(d1.daemon.metrics.counters().VI_1!.advert_rcvd, 0);
  });
});
