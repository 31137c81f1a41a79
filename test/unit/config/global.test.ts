import assert from 'node:assert/strict';
import { diags, errors, instance, load, only } from './helpers.js';

describe('config/global_defs', () => {
  it('reads the supported keywords and hands GARP defaults to instances', () => {
    const r = load(
      [
        'global_defs {', ' router_id lb1', ' vrrp_version 3', ' vrrp_garp_master_delay 2', ' vrrp_garp_master_repeat 4',
        ' vrrp_garp_master_refresh 30', ' vrrp_garp_master_refresh_repeat 2', ' vrrp_garp_lower_prio_delay 1',
        ' vrrp_garp_lower_prio_repeat 0', ' vrrp_lower_prio_no_advert', ' vrrp_higher_prio_send_advert true',
        ' vrrp_mcast_group4 224.0.0.99', ' vrrp_mcast_group6 ff02::99', ' enable_script_security', ' script_user nobody nogroup',
        ' notify_fifo /run/vipd.fifo', ' notify_fifo_script "/usr/bin/reader arg"', ' vrrp_skip_check_adv_addr', ' vrrp_check_unicast_src',
        ' vrrp_down_timer_adverts 4', '}',
      ].join('\n') + '\n' + instance('    garp_master_repeat 2'),
    );
    assert.deepEqual(diags(r), []);
    const g = r.config!.global;
    assert.equal(g.routerId, 'lb1');
    assert.equal(g.vrrpVersion, 3);
    assert.deepEqual(g.garp, { masterDelayMs: 2000, masterRepeat: 4, masterRefreshMs: 30000, masterRefreshRepeat: 2, lowerPrioDelayMs: 1000, lowerPrioRepeat: 0 });
    assert.equal(g.lowerPrioNoAdvert, true);
    assert.equal(g.higherPrioSendAdvert, true);
    assert.equal(g.mcastGroup4, '224.0.0.99');
    assert.equal(g.mcastGroup6, 'ff02::99');
    assert.equal(g.enableScriptSecurity, true);
    assert.deepEqual(g.scriptUser, { user: 'nobody', group: 'nogroup' });
    assert.equal(g.notifyFifo?.path, '/run/vipd.fifo');
    assert.deepEqual(g.notifyFifo?.script?.argv, ['/usr/bin/reader', 'arg']);
    assert.equal(g.skipCheckAdvAddr, true);
    assert.equal(g.checkUnicastSrc, true);
    const i = only(r);
    assert.equal(i.version, 3);
    assert.equal(i.mcastGroup, '224.0.0.99');
    assert.equal(i.garp.masterRepeat, 2); // the instance's own value wins
    assert.equal(i.garp.masterDelayMs, 2000);
    assert.equal(i.garp.lowerPrioRepeat, 0);
    assert.equal(i.lowerPrioNoAdvert, true);
    assert.equal(i.skipCheckAdvAddr, true);
    assert.equal(i.downTimerAdverts, 4);
  });
  it('lower-priority GARP knobs default to the master ones', () => {
    const g = load('global_defs {\n vrrp_garp_master_delay 3\n vrrp_garp_master_repeat 2\n}\n').config!.global;
    assert.equal(g.garp.lowerPrioDelayMs, 3000);
    assert.equal(g.garp.lowerPrioRepeat, 2);
  });
  it('vrrp_min_garp: repeat 1, no second burst, unless set explicitly', () => {
    const g = load('global_defs {\n vrrp_garp_master_repeat 3\n vrrp_min_garp\n}\n').config!.global;
    assert.equal(g.garp.masterRepeat, 3);
    assert.equal(g.garp.masterDelayMs, 0);
  });
  it('vrrp_strict warns clearly and applies its protocol rules', () => {
    const r = load('global_defs {\n vrrp_strict\n}\n' + instance('    authentication {\n auth_type PASS\n auth_pass x\n }\n    preempt_delay 5'));
    const i = only(r);
    assert.equal(i.strict, true);
    assert.equal(i.auth, null);
    assert.equal(i.preemptDelayMs, 0);
    assert.equal(i.lowerPrioNoAdvert, true);
    assert.equal(i.garp.lowerPrioRepeat, 0);
    assert.match(r.diagnostics[0]!.message, /^vrrp_strict: .*installs NO firewall rules/);
    assert.equal(r.diagnostics[0]!.line, 2);
  });
  it('rejects a non-multicast vrrp_mcast_group4 and a bad vrrp_version', () => {
    const r = load('global_defs {\n vrrp_mcast_group4 10.0.0.1\n vrrp_version 4\n}\n');
    assert.deepEqual(errors(r).map((d) => `${d.line} ${d.message}`), [
      "2 vrrp_mcast_group4: '10.0.0.1' is not an IPv4 multicast address",
      "3 vrrp_version: number '4' outside range [2, 3]",
    ]);
  });
  it('accepts and ignores the common rest with a warning naming why', () => {
    const r = load('global_defs {\n notification_email {\n  a@b\n }\n smtp_server 10.0.0.1\n enable_snmp_vrrp\n vrrp_no_swap\n}\n');
    assert.ok(r.config);
    // Line 1: global_defs alone is "nothing to run" (a warning, as keepalived's).
    assert.deepEqual(r.diagnostics.map((d) => [d.line, d.severity]), [[1, 'warning'], [2, 'warning'], [5, 'warning'], [6, 'warning'], [7, 'warning']]);
    assert.match(r.diagnostics[3]!.message, /'enable_snmp_vrrp' is accepted and ignored: vipd has no SNMP agent/);
  });
  it('refuses a global lvs_sync_daemon whose inst names no vrrp_instance, at its line', () => {
    const r = load('global_defs {\n lvs_sync_daemon eth1 VI_1 id 51\n}\n');
    assert.equal(r.config, null);
    assert.deepEqual(diags(r).filter((d) => d.includes('error')), ['2 error lvs_sync_daemon: inst VI_1 is not a vrrp_instance']);
  });
});
