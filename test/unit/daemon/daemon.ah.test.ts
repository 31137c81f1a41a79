// auth_type AH through a running Daemon (in-memory OS): keepalived 2.2.7's own AH adverts (captured, see
// test/unit/vrrp/fixtures/README.md) are routed by the VRID behind the AH header, verified, sequence-checked and
// counted; after keepalived's priority-0 advert the backup takes over and continues keepalived's sequence.
import assert from 'node:assert/strict';
import { decodeIpv4Advert } from '../../../src/vrrp/codec.js';
import { pcapDatagrams } from '../vrrp/hex.js';
import { Cluster, metricValue, waitFor, type Node } from './harness.js';

const CONFIG_AH = `
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  authentication {
    auth_type AH
    auth_pass secret12
  }
  virtual_ipaddress {
    10.9.0.100/24
    10.9.0.101/24
  }
}
`;

/** keepalived at 10.9.0.1, priority 150, key secret12: sequence 1, 2, 3, then the priority-0 advert (4). */
const KEEPALIVED = pcapDatagrams('keepalived-2.2.7-ah-mcast.pcap');

describe('daemon (in-memory OS): auth_type AH', function () {
  this.timeout(20_000);
  let cluster: Cluster;
  let d1: Node;

  beforeEach(async () => {
    cluster = new Cluster();
    d1 = await cluster.start('d1', 1, CONFIG_AH);
    await waitFor('d1 BACKUP', () => d1.daemon.states().VI_1 === 'BACKUP');
  });
  afterEach(async () => {
    await cluster.stopAll();
  });

  const drops = async (reason: string) => metricValue(await d1.daemon.metrics.metricsText(), 'vipd_drops_total', { iname: 'VI_1', reason }) ?? 0;

  it('accepts keepalived\'s AH adverts and drops a replayed one as ah_seq_replay (keepalived\'s auth_failure)', async () => {
    d1.os.inject('eth0', KEEPALIVED[0]!);
    d1.os.inject('eth0', KEEPALIVED[1]!);
    assert.equal(d1.daemon.metrics.counters().VI_1!.advert_rcvd, 2);
    assert.equal(d1.daemon.views()[0]!.masterAddress, '10.9.0.1');
    d1.os.inject('eth0', KEEPALIVED[0]!);
    assert.equal(await drops('ah_seq_replay'), 1);
    assert.equal(d1.daemon.metrics.counters().VI_1!.auth_failure, 1);
    assert.equal(d1.daemon.metrics.counters().VI_1!.advert_rcvd, 2, 'the replay was not accepted');
  });

  it('drops an advert whose ICV does not verify as ah_icv_mismatch, and it does not move the sequence', async () => {
    const forged = Buffer.from(KEEPALIVED[2]!);
    forged[50] = 0xff; // priority 255 instead of 150, ICV unchanged
    d1.os.inject('eth0', forged);
    assert.equal(await drops('ah_icv_mismatch'), 1);
    assert.equal(d1.daemon.metrics.counters().VI_1!.auth_failure, 1);
    d1.os.inject('eth0', KEEPALIVED[0]!); // sequence 1 still above the counter: accepted
    assert.equal(d1.daemon.metrics.counters().VI_1!.advert_rcvd, 1);
    assert.equal(await drops('ah_seq_replay'), 0);
  });

  it('takes over after keepalived\'s priority-0 advert and continues its sequence (5) in protocol-51 adverts', async () => {
    for (const f of KEEPALIVED) d1.os.inject('eth0', f);
    await waitFor('d1 MASTER', () => d1.daemon.states().VI_1 === 'MASTER');
    const sent = cluster.segment.of('vrrp', 'd1');
    assert.ok(sent.length > 0);
    const first = decodeIpv4Advert(sent[0]!.packet);
    assert.ok('ok' in first && first.ok.ah, 'an AH datagram');
    assert.equal(sent[0]!.packet[9], 51);
    assert.equal(first.ok.ah.header.seq, 5);
    assert.equal(first.ok.ah.header.spi, 0x0a010001, 'SPI = 10.1.0.1, the source address');
    assert.equal(first.ok.advert.priority, 100);
    assert.equal(first.ok.advert.authType, 2);
  });
});
