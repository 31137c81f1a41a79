// The short way for a repeated advert (issue 12: packetRouter.ts → InstanceRunner.receiveRepeat, repeatAdvert.ts)
// seen from outside, on a running Daemon: the master's next advert (same bytes, next IP id) is counted and keeps
// the backup a backup; an advert that differs from the last accepted one in anything else, sent right after it
// (when the short way is primed), is checked in full and dropped or acted on exactly as before. Adverts are
// assembled here field by field (RFC 3768 §5.1), never by the encoder under test.
import assert from 'node:assert/strict';
import { metricValue, useCluster, type Node } from './harness.js';
import { CONFIG_V2, v2Packet, type V2Opts } from './handBuiltAdvert.js';

describe('daemon (in-memory OS): repeated adverts take the short way, changed ones the full way', function () {
  this.timeout(20_000);
  const cluster = useCluster();
  let d1: Node;
  let id = 0;
  /** The master's advert as sent next (a new IP id each time, as keepalived sends them). */
  const send = (o: V2Opts = {}): void => d1.os.inject('eth0', v2Packet({ id: ++id, ...o }));
  const received = (): number => d1.daemon.metrics.counters().VI_1!.advert_rcvd;
  const drops = async (reason: string): Promise<number> =>
    metricValue(await d1.daemon.metrics.metricsText(), 'vipd_drops_total', { iname: 'VI_1', reason }) ?? 0;

  beforeEach(async () => {
    d1 = await cluster().start('d1', 1, CONFIG_V2);
    await cluster().waitFor('d1 BACKUP', () => d1.daemon.states().VI_1 === 'BACKUP');
    send(); // accepted in full: the short way is primed from here on
    assert.equal(received(), 1);
  });

  it("counts the master's repeated adverts and stays BACKUP on them alone (Master_Down re-armed by each)", async () => {
    // Master_Down_Interval = 3 × 1 s + (256 − 100)/256 s ≈ 3.6 s; 10 s of repeats, one per second.
    for (let s = 0; s < 10; s++) {
      await cluster().sleep(1000);
      send();
    }
    assert.equal(received(), 11);
    assert.equal(d1.daemon.states().VI_1, 'BACKUP');
    assert.equal(d1.daemon.views()[0]!.masterAddress, '10.1.0.9');
    await cluster().sleep(4000); // and without them the master is declared down, as before
    assert.equal(d1.daemon.states().VI_1, 'MASTER');
  });

  it('drops an otherwise identical advert with TTL 64, a bad checksum, another password or another interval, each by reason', async () => {
    const cases: { reason: string; o: V2Opts }[] = [
      { reason: 'ip_ttl_err', o: { ttl: 64 } }, // RFC 5798 §7.1
      { reason: 'checksum_err', o: { corruptChecksum: true } },
      { reason: 'auth_failure', o: { password: 'guess' } },
      { reason: 'advert_interval_err', o: { intervalS: 2 } }, // v2: dropped (keepalived row 16)
    ];
    for (const { reason, o } of cases) {
      send(); // the accepted advert again, right before: the short way is primed
      const before = received();
      send(o);
      assert.equal(await drops(reason), 1, `vipd_drops_total{reason="${reason}"}`);
      assert.equal(received(), before, `${reason}: not counted as received`);
    }
    send();
    assert.equal(received(), 6, 'the unchanged advert is accepted again after each drop');
  });

  it('acts on a changed priority: priority 0 right after a repeat makes the backup take over after Skew_Time', async () => {
    send();
    send({ priority: 0 });
    assert.ok(d1.log.some((l) => l.message.includes('Backup received priority 0 advertisement')));
    await cluster().sleep(700); // Skew_Time (256 − 100)/256 s ≈ 609 ms, not the 3.6 s Master_Down_Interval
    assert.equal(d1.daemon.states().VI_1, 'MASTER');
  });

  it('counts a changed address list as an anomaly on every advert that carries it, not only the first', async () => {
    const more = { vips: ['10.1.0.100', '10.1.0.101'] };
    send(more);
    send(more);
    send(more);
    const text = await d1.daemon.metrics.metricsText();
    assert.equal(metricValue(text, 'vipd_advert_anomalies_total', { iname: 'VI_1', reason: 'addr_list_err' }), 3);
    assert.equal(received(), 4);
  });

  it('follows a new master whose advert is otherwise the same (another source address)', () => {
    send();
    send({ src: '10.1.0.10' });
    assert.equal(d1.daemon.views()[0]!.masterAddress, '10.1.0.10');
    send({ src: '10.1.0.10' });
    assert.equal(d1.daemon.views()[0]!.masterAddress, '10.1.0.10');
    assert.equal(received(), 4);
  });
});
