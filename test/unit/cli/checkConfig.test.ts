// `vipd check-config [--strict]` on real files: the issue-13 case, a file whose only include matches nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfigCommand } from '../../../src/cli/checkConfig.js';

describe('cli/check-config with an include that matches nothing', () => {
  let dir: string;
  let conf: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vipd-checkconfig-'));
    conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, 'global_defs {\n router_id d1\n}\ninclude conf.d/*.conf\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const check = async (strict: boolean) => {
    const lines: string[] = [];
    const code = await checkConfigCommand({ configPath: conf, strict, write: (l) => lines.push(l) });
    return { code, lines };
  };

  it('--strict refuses it: the include line and the empty result, each as file:line, exit 1', async () => {
    const { code, lines } = await check(true);
    assert.equal(code, 1);
    assert.deepEqual(lines, [
      `${conf}:1: nothing to run: no vrrp_instance or virtual_server in this file or its includes`,
      `${conf}:4: include 'conf.d/*.conf': no matching file`,
      `${conf}: 2 error(s), 0 warning(s); configuration refused`,
    ]);
  });

  it('without --strict it warns twice and exits 0, as keepalived runs it', async () => {
    const { code, lines } = await check(false);
    assert.equal(code, 0);
    assert.deepEqual(lines, [
      `${conf}:1: warning: nothing to run: no vrrp_instance or virtual_server in this file or its includes`,
      `${conf}:4: warning: include 'conf.d/*.conf': no matching file`,
      `${conf}: configuration OK (2 warning(s))`,
    ]);
  });
});
