// Every sample shipped by Debian's keepalived package loads — in every --config-id it is written for — or is
// refused with exactly the errors listed in test/fixtures/keepalivedSamples.ts, each at the line holding the
// keyword; loadConfig never throws. The namespace test (test/integration/samples.test.ts) then runs them.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../../src/config/index.js';
import { EXPECTED_REFUSALS, SAMPLES_DIR, configIdsFor, sampleNames } from '../../fixtures/keepalivedSamples.js';

/** Lines that open a block of this keyword and survive the @ID filter for `configId`. */
function blocksOf(lines: readonly string[], keyword: string, configId: string | undefined): number {
  const re = new RegExp(`^\\s*(@(\\^?)(\\S+)\\s+)?${keyword}\\s`);
  return lines.filter((l) => {
    const m = re.exec(l);
    if (!m) return false;
    if (!m[1]) return true;
    const matches = m[3] === configId;
    return m[2] ? !matches : matches;
  }).length;
}

describe('config/samples from Debian keepalived (/usr/share/doc/keepalived/samples)', function () {
  const names = sampleNames();
  before(function () {
    if (names.length === 0) {
      console.log(`      skipped: ${SAMPLES_DIR} is missing (install Debian's keepalived package)`);
      this.skip();
    }
  });

  it('finds the samples', () => assert.ok(names.length >= 20, `only ${names.length} samples`));

  for (const name of names) {
    for (const configId of configIdsFor(name)) {
      it(`${name}${configId ? ` --config-id ${configId}` : ''}`, () => {
        const file = path.join(SAMPLES_DIR, name);
        const r = loadConfig(file, { configId });
        const lines = fs.readFileSync(file, 'utf8').split('\n');
        for (const d of r.diagnostics) {
          assert.equal(d.file, file);
          assert.ok(d.line >= 1 && d.line <= lines.length, `line ${d.line} in range`);
        }
        const errs = r.diagnostics.filter((d) => d.severity === 'error');
        const expected = EXPECTED_REFUSALS[name];
        if (!expected) {
          assert.deepEqual(errs, [], 'loads without errors');
          assert.ok(r.config);
          // Nothing is dropped on the way: one instance per vrrp_instance block, one per virtual_server block.
          assert.equal(r.config.instances.length, blocksOf(lines, 'vrrp_instance', configId), 'vrrp_instance count');
          assert.equal(r.config.virtualServers.length, blocksOf(lines, 'virtual_server', configId), 'virtual_server count');
          return;
        }
        assert.equal(r.config, null, `expected refusal (${expected.why}) — if this branch made it load, delete its entry`);
        for (const re of expected.errors) {
          const d = errs.find((e) => re.test(e.message));
          assert.ok(d, `${re} reported`);
          // The keyword itself is on the reported line.
          assert.match(lines[d.line - 1]!, re);
        }
        assert.equal(errs.length, expected.errors.length, `only the expected errors: ${errs.map((e) => e.message).join('; ')}`);
      });
    }
  }

  it('keepalived.conf.conditional_conf takes its @high / @low lines, net_namespace included', function () {
    const file = path.join(SAMPLES_DIR, 'keepalived.conf.conditional_conf');
    if (!fs.existsSync(file)) this.skip();
    const high = loadConfig(file, { configId: 'high' }).config!;
    const low = loadConfig(file, { configId: 'low' }).config!;
    assert.equal(high.global.netNamespace, 'high');
    assert.equal(low.global.netNamespace, 'low');
    assert.equal(high.instances[0]!.priority, 170);
    assert.equal(low.instances[0]!.priority, 85);
    assert.deepEqual(high.scripts[0]!.script.argv, ['/etc/keepalived/scripts/check_high_VI_0.sh']);
    assert.deepEqual(low.scripts[0]!.script.argv, ['/etc/keepalived/scripts/check_low_VI_0.sh']);
  });

  it('reports every ignored or unknown keyword with the line that holds it', () => {
    for (const name of names) {
      const file = path.join(SAMPLES_DIR, name);
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      for (const configId of configIdsFor(name)) {
        for (const d of loadConfig(file, { configId }).diagnostics) {
          const m = /^'([^']+)' is accepted and ignored|^Unknown keyword '([^']+)'/.exec(d.message);
          if (m) assert.ok(lines[d.line - 1]!.includes(m[1] ?? m[2]!), `${name}:${d.line} holds ${m[1] ?? m[2]}`);
        }
      }
    }
  });
});
