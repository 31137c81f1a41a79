// Every shipped example config must load without errors (what `vipd check-config -f` checks), and the
// director pair must actually be a pair: same virtual routers and VIPs, d1 preferred over d2.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, formatDiagnostic, type Config } from '../../src/config/index.js';

// dist/test/unit → repository root.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const EXAMPLES = join(ROOT, 'examples');

function confFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...confFiles(p));
    else if (name.endsWith('.conf')) out.push(p);
  }
  return out;
}

function load(path: string, strict = false): Config {
  const { config, diagnostics } = loadConfig(path, { strict });
  const errors = diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  assert.deepEqual(errors, [], `${relative(ROOT, path)} has errors`);
  assert.ok(config, `${relative(ROOT, path)} yields a configuration`);
  return config;
}

describe('examples/**/*.conf', () => {
  const files = confFiles(EXAMPLES);

  it('finds the example configs (director pair and NAT pair at least)', () => {
    const rel = files.map((f) => relative(EXAMPLES, f));
    for (const expected of ['director-pair/d1.conf', 'director-pair/d2.conf', 'nat-pair/d1.conf', 'nat-pair/d2.conf']) {
      assert.ok(rel.includes(expected), `${expected} is among ${rel.join(', ')}`);
    }
  });

  for (const file of files) {
    it(`${relative(ROOT, file)} loads without errors and has an instance to run`, () => {
      const config = load(file);
      assert.ok(config.instances.length > 0, 'at least one vrrp_instance');
    });
  }

  describe('director-pair', () => {
    const d1Path = join(EXAMPLES, 'director-pair/d1.conf');
    const d2Path = join(EXAMPLES, 'director-pair/d2.conf');

    it('has no warnings either, also with --strict (every keyword is one vipd acts on)', () => {
      for (const path of [d1Path, d2Path]) {
        const { diagnostics } = loadConfig(path, { strict: true });
        assert.deepEqual(diagnostics.map(formatDiagnostic), [], relative(ROOT, path));
      }
    });

    it('d1 and d2 run the same virtual routers with the same VIPs, and d1 is preferred', () => {
      const d1 = load(d1Path);
      const d2 = load(d2Path);
      assert.equal(d1.global.routerId, 'd1');
      assert.equal(d2.global.routerId, 'd2');
      const shape = (c: Config) =>
        c.instances.map((i) => ({
          name: i.name,
          vrid: i.vrid,
          family: i.family,
          iface: i.interface,
          advertIntMs: i.advertIntMs,
          vips: i.vips.map((v) => `${v.address}/${v.prefixLength}`),
        }));
      assert.deepEqual(shape(d1), shape(d2));
      assert.deepEqual(
        shape(d1).map((s) => s.vips),
        [['10.1.0.100/24'], ['fd00:1::100/64']],
        "the design notes' pair lab VIPs",
      );
      for (const [i, inst] of d1.instances.entries()) {
        assert.ok(inst.priority > d2.instances[i]!.priority, `${inst.name}: d1 priority above d2's`);
        assert.equal(inst.initialState, 'BACKUP');
      }
    });
  });
});
