import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/index.js';
import { isReplicated } from '../../../src/sync/filter.js';
import { filterFromConfig } from '../../../src/sync/index.js';
import { loadKeyFile } from '../../../src/sync/key.js';
import { tcpEntry } from './sim.js';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../../../examples/nat-pair');

const flow = (dst: string, dport: number, proto = 6, sport = 40000) => {
  const e = tcpEntry(1);
  return { ...e, orig: { ...e.orig, src: '192.168.7.7', dst, dstPort: dport, srcPort: sport, proto }, reply: { ...e.reply, proto } };
};

describe('sync filter', () => {
  it('first match wins; default decides otherwise; the sync port and loopback never replicate', () => {
    const f = {
      rules: [
        { action: 'exclude' as const, address: null, portMin: 22, portMax: 22, protocol: 'tcp' },
        { action: 'include' as const, address: { network: '10.1.0.0', prefixLength: 24 }, portMin: 80, portMax: 90, protocol: null },
      ],
      default: 'exclude' as const,
      syncPort: 3781,
    };
    assert.equal(isReplicated(f, flow('10.1.0.100', 80)), true);
    assert.equal(isReplicated(f, flow('10.1.0.100', 22)), false);
    assert.equal(isReplicated(f, flow('10.3.0.100', 80)), false, 'default exclude');
    assert.equal(isReplicated(f, flow('10.1.0.100', 91)), false);
    assert.equal(isReplicated({ ...f, default: 'include' }, flow('10.2.0.2', 3781, 17)), false, 'sync channel');
    assert.equal(isReplicated({ rules: [], default: 'include' }, { ...flow('127.0.0.1', 80), orig: { ...flow('127.0.0.1', 80).orig, src: '127.0.0.1' } }), false);
  });

  it('IPv6: prefixes match by bits, a rule of the other family never matches, ::1 is never replicated', () => {
    const v6 = (src: string, dst: string) => {
      const e = tcpEntry(1);
      return { ...e, family: 6 as const, orig: { ...e.orig, src, dst }, reply: { ...e.reply, src: dst, dst: src } };
    };
    const f = {
      rules: [
        { action: 'exclude' as const, address: { network: 'fd00:1::', prefixLength: 33 }, portMin: null, portMax: null, protocol: null },
        { action: 'exclude' as const, address: { network: '10.0.0.0', prefixLength: 8 }, portMin: null, portMax: null, protocol: null },
      ],
      default: 'include' as const,
    };
    assert.equal(isReplicated(f, v6('fd00:1::10', 'fd00:9::1')), false, 'source in fd00:1::/33');
    assert.equal(isReplicated(f, v6('fd00:1:8000::10', 'fd00:9::1')), true, 'bit 33 differs');
    assert.equal(isReplicated(f, v6('fd00:2::10', 'fd00:9::1')), true, 'an IPv4 rule never matches IPv6');
    assert.equal(isReplicated(f, v6('::1', 'fd00:9::1')), false, 'loopback');
  });

  it('examples/nat-pair: configs load, the key loads, and the filter keeps the service but not SSH', async () => {
    for (const d of ['d1', 'd2']) {
      const { config, diagnostics } = loadConfig(join(EXAMPLES, `${d}.conf`));
      assert.ok(config, JSON.stringify(diagnostics));
      const c = config.conntrackSync[0]!;
      assert.equal(c.interface, 'eth1');
      const f = filterFromConfig(c);
      assert.equal(isReplicated(f, flow('10.1.0.100', 80)), true);
      assert.equal(isReplicated(f, flow('10.1.0.1', 22)), false);
      assert.equal(isReplicated(f, flow('10.2.0.2', 3781, 17)), false);
      assert.equal((await loadKeyFile(c.keyFile)).length, 32);
    }
  });
});
