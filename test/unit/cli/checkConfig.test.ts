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

describe('cli/check-config with virtual servers: which data plane they get and why', () => {
  let dir: string;
  let conf: string;
  const VS = 'virtual_server 10.1.0.100 80 {\n lb_kind NAT\n protocol TCP\n real_server 10.2.0.11 80 {\n  TCP_CHECK {\n  }\n }\n}\n';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const check = async (text: string, hasIpvs: boolean) => {
    dir = mkdtempSync(join(tmpdir(), 'vipd-checkconfig-'));
    conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, text);
    const lines: string[] = [];
    const code = await checkConfigCommand({ configPath: conf, strict: false, write: (l) => lines.push(l), hasIpvs: async () => hasIpvs });
    return { code, lines };
  };

  it('auto on a kernel with IPVS: ipvs, and says why', async () => {
    const { code, lines } = await check(VS + VS.replace('10.1.0.100', '10.1.0.101'), true);
    assert.equal(code, 0);
    assert.equal(lines.at(-2), 'virtual servers: 2 (data plane: ipvs — the kernel has IPVS)');
    assert.match(lines.at(-1)!, /configuration OK/);
  });

  it('auto on a kernel without IPVS: nftables; what nftables cannot do is a file:line warning about this host (exit 0)', async () => {
    const ok = await check(VS.replace('lb_kind NAT', 'lb_kind NAT\n lb_algo wrr'), false);
    assert.equal(ok.code, 0);
    assert.equal(ok.lines.at(-2), 'virtual servers: 1 (data plane: nftables — this kernel has no IPVS)');
    const wlc = await check(VS, false);
    assert.equal(wlc.code, 0);
    assert.equal(wlc.lines.at(-3), 'virtual servers: 1 (data plane: nftables — this kernel has no IPVS)');
    assert.match(wlc.lines.at(-2)!, /keepalived\.conf:1: warning: on this host \(no IPVS\): virtual_server 10\.1\.0\.100 80: scheduler "wlc" .* needs live connection counts/);
  });

  it('vipd_lvs_dataplane nftables: what nftables cannot do is a file:line error and the config is refused', async () => {
    const { code, lines } = await check(`global_defs {\n vipd_lvs_dataplane nftables\n}\n${VS.replace('lb_kind NAT', 'lb_kind TUN\n lb_algo rr')}`, true);
    assert.equal(code, 1);
    assert.equal(lines.find((l) => l.startsWith('virtual servers:')), 'virtual servers: 1 (data plane: nftables — vipd_lvs_dataplane nftables)');
    assert.ok(lines.some((l) => /keepalived\.conf:8: virtual_server 10\.1\.0\.100 80: lvs_method TUN is not implemented on nftables/.test(l)), lines.join('\n'));
    assert.match(lines.at(-1)!, /configuration refused \(1 error\(s\)\)/);
  });

  it('vipd_lvs_dataplane nftables runs lb_kind DR; a fwmark DR virtual_server is refused with its file:line', async () => {
    const dr = await check(`global_defs {\n vipd_lvs_dataplane nftables\n}\n${VS.replace('lb_kind NAT', 'lb_kind DR\n lb_algo rr')}`, true);
    assert.equal(dr.code, 0, dr.lines.join('\n'));
    const fwm = VS.replace('10.1.0.100 80', 'fwmark 7').replace('lb_kind NAT', 'lb_kind DR\n lb_algo rr');
    const { code, lines } = await check(`global_defs {\n vipd_lvs_dataplane nftables\n}\n${fwm}`, true);
    assert.equal(code, 1);
    assert.ok(lines.some((l) => /keepalived\.conf:8: virtual_server fwmark 7: lvs_method DR on nftables forwards at netdev ingress/.test(l)), lines.join('\n'));
  });

  it('lvs_sync_daemon on the nftables data plane is named with its file:line (vipd_conntrack_sync replicates nftables NAT)', async () => {
    const { code, lines } = await check(`global_defs {\n vipd_lvs_dataplane nftables\n lvs_sync_daemon eth0\n}\n${VS.replace('lb_kind NAT', 'lb_kind NAT\n lb_algo rr')}`, true);
    assert.equal(code, 1);
    assert.ok(lines.some((l) => /keepalived\.conf:3: lvs_sync_daemon drives the kernel's IPVS sync daemon .* use vipd_conntrack_sync/.test(l)), lines.join('\n'));
  });

  it('vipd_lvs_dataplane ipvs is named as the reason', async () => {
    const { lines } = await check(`global_defs {\n vipd_lvs_dataplane ipvs\n}\n${VS}`, true);
    assert.equal(lines.at(-2), 'virtual servers: 1 (data plane: ipvs — vipd_lvs_dataplane ipvs)');
    const none = await check(`global_defs {\n vipd_lvs_dataplane ipvs\n}\n${VS}`, false);
    assert.match(none.lines.at(-2)!, /data plane: none — vipd_lvs_dataplane ipvs, and this kernel has no IPVS: load it with `modprobe ip_vs`/);
  });

  it('no virtual servers: no data-plane line', async () => {
    const { lines } = await check('vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.1.0.100/24\n }\n}\n', false);
    assert.ok(!lines.some((l) => l.startsWith('virtual servers:')), lines.join('\n'));
  });
});
