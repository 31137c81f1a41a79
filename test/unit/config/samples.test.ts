// Every sample shipped by Debian's keepalived package either loads, or every keyword vipd does not support is
// reported with file:line — and loadConfig never throws.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../../src/config/index.js';

const SAMPLES = '/usr/share/doc/keepalived/samples';

/** What each sample must report when it is refused: the keywords vipd refuses, found at their lines. */
const REFUSED: Record<string, RegExp[]> = {
  'keepalived.conf.vrrp.lvs_syncd': [/lvs_sync_daemon/],
  'keepalived.conf.vrrp.rules': [/virtual_rules/],
  // Only unicast routes are installed; blackhole and multipath ("or") routes are refused, not ignored.
  'keepalived.conf.vrrp.routes': [/blackhole/, /\bor\b/],
  'keepalived.conf.conditional_conf': [/net_namespace/],
};

describe('config/samples from Debian keepalived (/usr/share/doc/keepalived/samples)', function () {
  const files = fs.existsSync(SAMPLES)
    ? fs.readdirSync(SAMPLES).filter((f) => f.startsWith('keepalived.conf')).sort()
    : [];
  before(function () {
    if (files.length === 0) {
      console.log(`skipped: ${SAMPLES} is missing (install Debian's keepalived package)`);
      this.skip();
    }
  });

  it('finds the samples', () => assert.ok(files.length >= 20, `only ${files.length} samples`));

  for (const name of fs.existsSync(SAMPLES) ? fs.readdirSync(SAMPLES).filter((f) => f.startsWith('keepalived.conf')).sort() : []) {
    it(name, () => {
      const file = path.join(SAMPLES, name);
      // configId 'high' makes keepalived.conf.conditional_conf take its `@high` lines.
      const r = loadConfig(file, { configId: 'high' });
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      for (const d of r.diagnostics) {
        assert.equal(d.file, file);
        assert.ok(d.line >= 1 && d.line <= lines.length, `line ${d.line} in range`);
      }
      const errs = r.diagnostics.filter((d) => d.severity === 'error');
      const expected = REFUSED[name];
      if (!expected) {
        assert.deepEqual(errs, [], 'loads without errors');
        assert.ok(r.config);
        return;
      }
      assert.equal(r.config, null);
      for (const re of expected) {
        const d = errs.find((e) => re.test(e.message));
        assert.ok(d, `${re} reported`);
        // The keyword itself is on the reported line.
        assert.match(lines[d.line - 1]!, re);
      }
    });
  }

  it('reports every ignored or unknown keyword with the line that holds it', () => {
    for (const name of files) {
      const file = path.join(SAMPLES, name);
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      for (const d of loadConfig(file, { configId: 'high' }).diagnostics) {
        const m = /^'([^']+)' is accepted and ignored|^Unknown keyword '([^']+)'/.exec(d.message);
        if (m) assert.ok(lines[d.line - 1]!.includes(m[1] ?? m[2]!), `${name}:${d.line} holds ${m[1] ?? m[2]}`);
      }
    }
  });
});
