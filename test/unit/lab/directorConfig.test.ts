// The config `vipd demo` gives its directors is one vipd's own loader accepts as written (no diagnostics), and
// it says what the demo claims: VIP:80 wrr 3/1/1 behind HTTP_GET, VIP:9000 behind TCP_CHECK, probes every
// second, one failed probe removes, sync following G1. Plus the demo's tally formatting.
import assert from 'node:assert/strict';
import { directorConfig } from '../../../src/lab/directorConfig.js';
import { formatTally, tally } from '../../../src/lab/directorScenario.js';
import { diags, load, MAIN } from '../config/helpers.js';

const text = directorConfig({
  routerId: 'd1',
  priority: 150,
  backAddress: '10.2.0.1',
  advertInt: 0.1,
  vip: '10.1.0.100',
  innerVip: '10.2.0.254',
  realServers: [
    { address: '10.2.0.11', weight: 3 },
    { address: '10.2.0.12', weight: 1 },
    { address: '10.2.0.13', weight: 1 },
  ],
  httpPort: 80,
  echoPort: 9000,
  keyFile: 'sync.key',
});

describe('lab: the demo directors’ config', () => {
  it('loads without a diagnostic and holds the two virtual servers the demo describes', () => {
    const r = load(text, {}, { [MAIN.replace('keepalived.conf', 'sync.key')]: `${'ab'.repeat(32)}\n` });
    assert.deepEqual(diags(r), []);
    const cfg = r.config!;
    assert.deepEqual(
      cfg.instances.map((i) => [i.name, i.syncGroup]),
      [
        ['VI_OUT', 'G1'],
        ['VI_IN', 'G1'],
      ],
    );
    const [web, echo] = cfg.virtualServers;
    assert.equal(web!.scheduler, 'wrr');
    assert.equal(web!.delayLoopMs, 1000);
    assert.deepEqual(
      web!.realServers.map((rs) => [rs.address, rs.port, rs.weight, rs.method.kind, rs.checkers.map((c) => [c.type, 'retry' in c ? c.retry : null])]),
      [
        ['10.2.0.11', 80, 3, 'NAT', [['HTTP_GET', 0]]],
        ['10.2.0.12', 80, 1, 'NAT', [['HTTP_GET', 0]]],
        ['10.2.0.13', 80, 1, 'NAT', [['HTTP_GET', 0]]],
      ],
    );
    assert.equal(echo!.scheduler, 'rr');
    assert.deepEqual(
      echo!.realServers.map((rs) => [rs.port, rs.checkers.map((c) => c.type)]),
      [
        [9000, ['TCP_CHECK']],
        [9000, ['TCP_CHECK']],
        [9000, ['TCP_CHECK']],
      ],
    );
    assert.equal(cfg.conntrackSync.length, 1);
  });

  it('tallies answers in real-server order, failures last', () => {
    assert.equal(formatTally(tally(['r3', 'r1', 'r1', '(no answer)', 'r1'])), 'r1 3, r3 1, (no answer) 1');
  });
});
