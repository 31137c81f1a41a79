import assert from 'node:assert/strict';
import { fileReloadAction, scriptReloadAction } from '../../../src/track/reloadDiff.js';
import { parse } from './helpers.js';

const scriptConf = (body: string, global = '') =>
  parse(`${global}vrrp_script chk {\n${body}\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.1.0.1/24\n }\n track_script {\n  chk\n }\n}\n`);

function action(a: string, b: string, ga = '', gb = ''): string {
  const x = scriptConf(a, ga);
  const y = scriptConf(b, gb);
  return scriptReloadAction(x.scripts[0]!, y.scripts[0]!, x.global, y.global);
}

describe('track/reloadDiff', () => {
  it('keeps a script whose check is the same, whatever its weight or position', () => {
    assert.equal(action(' script "/bin/chk -q"\n weight 10', '\n script "/bin/chk -q"\n weight -20 reverse'), 'keep');
  });

  it('carries the state over when only the timing changes', () => {
    assert.equal(action(' script /bin/chk\n interval 1', ' script /bin/chk\n interval 2'), 'carry');
    assert.equal(action(' script /bin/chk\n rise 1', ' script /bin/chk\n rise 3'), 'carry');
    assert.equal(action(' script /bin/chk', ' script /bin/chk\n init_fail'), 'carry');
  });

  it('starts afresh on another command, another user or other script security', () => {
    assert.equal(action(' script "/bin/chk -q"', ' script "/bin/chk -v"'), 'fresh');
    assert.equal(action(' script /bin/chk', ' script /bin/chk\n user nobody'), 'fresh');
    assert.equal(action(' script /bin/chk', ' script /bin/chk', '', 'global_defs {\n script_user nobody\n}\n'), 'fresh');
    assert.equal(action(' script /bin/chk', ' script /bin/chk', '', 'global_defs {\n enable_script_security\n}\n'), 'fresh');
  });

  it('re-creates a track_file on a new path or init_file, not on a new weight', () => {
    const tf = (body: string) =>
      parse(`track_file tf {\n${body}\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.1.0.1/24\n }\n track_file {\n  tf\n }\n}\n`).trackFiles[0]!;
    assert.equal(fileReloadAction(tf(' file /run/a\n weight 2'), tf(' file /run/a\n weight -5')), 'keep');
    assert.equal(fileReloadAction(tf(' file /run/a'), tf(' file /run/b')), 'recreate');
    assert.equal(fileReloadAction(tf(' file /run/a'), tf(' file /run/a\n init_file 3')), 'recreate');
  });
});
