import assert from 'node:assert/strict';
import { diags, errors, instance, load, only, warnings } from './helpers.js';

describe('config/vrrp_instance', () => {
  describe('defaults (keepalived vrrp_complete_instance)', () => {
    it('BACKUP, priority 100, advert 1 s, VRRPv2, multicast 224.0.0.18, GARP 5 x 2 bursts 5 s apart', () => {
      const i = only(load(instance('')));
      assert.equal(i.initialState, 'BACKUP');
      assert.equal(i.priority, 100);
      assert.equal(i.advertIntMs, 1000);
      assert.equal(i.version, 2);
      assert.equal(i.family, 'inet');
      assert.equal(i.mcastGroup, '224.0.0.18');
      assert.deepEqual(i.unicastPeers, []);
      assert.equal(i.unicastTtl, 255);
      assert.deepEqual(i.garp, {
        masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1, lowerPrioDelayMs: 5000, lowerPrioRepeat: 5,
      });
      assert.equal(i.nopreempt, false);
      assert.equal(i.preemptDelayMs, 0);
      assert.equal(i.auth, null);
      assert.equal(i.downTimerAdverts, 3);
      assert.equal(i.lowerPrioNoAdvert, false);
      assert.deepEqual(i.vips.map((v) => [v.address, v.prefixLength, v.dev]), [['10.1.0.100', 24, null]]);
    });
    it('state MASTER without priority means priority 255', () => {
      const i = only(load(instance('    state MASTER')));
      assert.equal(i.priority, 255);
      assert.equal(i.initialState, 'MASTER');
    });
    it('state MASTER with a priority keeps it; priority 255 without state starts MASTER', () => {
      assert.equal(only(load(instance('    state MASTER\n    priority 150'))).priority, 150);
      assert.equal(only(load(instance('    priority 255'))).initialState, 'MASTER');
    });
    it('tolerates an unknown state with a warning, like keepalived (state SLAVE)', () => {
      const r = load(instance('    state SLAVE'));
      assert.equal(only(r).initialState, 'BACKUP');
      assert.deepEqual(diags(r), ["4 warning (VI_1) unknown state 'SLAVE', defaulting to BACKUP"]);
    });
  });

  describe('advert_int and version', () => {
    it('refuses a fractional v2 interval with its line', () => {
      const r = load(instance('    advert_int 0.5'));
      assert.equal(r.config, null);
      assert.deepEqual(diags(r), ['4 error (VI_1) VRRPv2 advertisement interval 0.5s must be an integer (use version 3 for sub-second intervals)']);
    });
    it('accepts v3 down to 0.01 s (10 ms) and up to 40.95 s', () => {
      assert.equal(only(load(instance('    version 3\n    advert_int 0.01'))).advertIntMs, 10);
      assert.equal(only(load(instance('    version 3\n    advert_int 40.95'))).advertIntMs, 40950);
    });
    it('refuses v3 above 40.95 s and below 0.01 s', () => {
      assert.deepEqual(diags(load(instance('    version 3\n    advert_int 41'))), ['5 error (VI_1) VRRPv3 advertisement interval 41s is out of range [0.01, 40.95]']);
      assert.deepEqual(diags(load(instance('    version 3\n    advert_int 0.001'))), ["5 error advert_int: time '0.001' outside range [0.01, 255] seconds"]);
    });
    it('rounds v3 intervals to centiseconds with a warning', () => {
      const r = load(instance('    version 3\n    advert_int 0.015'));
      assert.equal(only(r).advertIntMs, 20);
      assert.match(warnings(r)[0]!.message, /units of 10ms - rounding to 0.02s/);
    });
    it('takes the global vrrp_version, and IPv6 VIPs force version 3', () => {
      assert.equal(only(load('global_defs {\n vrrp_version 3\n}\n' + instance(''))).version, 3);
      const r = load('vrrp_instance V6 {\n interface eth0\n virtual_router_id 9\n virtual_ipaddress {\n  fd00:1::100/64\n }\n}\n');
      const i = only(r);
      assert.equal(i.family, 'inet6');
      assert.equal(i.version, 3);
      assert.equal(i.mcastGroup, 'ff02::12');
      const r2 = load('vrrp_instance V6 {\n interface eth0\n version 2\n virtual_router_id 9\n virtual_ipaddress {\n  fd00:1::100/64\n }\n}\n');
      assert.equal(only(r2).version, 3);
      assert.deepEqual(diags(r2), ['3 warning (V6) cannot use IPv6 with VRRP version 2; setting version 3']);
    });
    it('refuses a VIP of the other family at its line', () => {
      const r = load('vrrp_instance V {\n interface eth0\n virtual_router_id 9\n virtual_ipaddress {\n  10.0.0.1\n  fd00::1\n }\n}\n');
      assert.deepEqual(diags(r), ['6 error (V) address family of fd00::1 does not match the instance (IPv4)']);
    });
  });

  describe('ranges', () => {
    it('VRID 1..255 and priority 1..255, each error on its own line', () => {
      const r = load('vrrp_instance V {\n interface eth0\n virtual_router_id 256\n priority 0\n}\nvrrp_instance W {\n interface eth0\n virtual_router_id 0\n priority 300\n}\n');
      assert.deepEqual(errors(r).map((d) => `${d.line} ${d.message}`), [
        "3 virtual_router_id: number '256' outside range [1, 255]",
        "4 priority: number '0' outside range [1, 255]",
        "8 virtual_router_id: number '0' outside range [1, 255]",
        "9 priority: number '300' outside range [1, 255]",
      ]);
      assert.equal(r.config, null);
    });
    it('reports a missing interface and virtual_router_id at the instance line', () => {
      const r = load('\nvrrp_instance V {\n priority 100\n}\n');
      assert.deepEqual(errors(r).map((d) => `${d.line} ${d.message}`), [
        '2 (V) no interface given (interface is required)',
        '2 (V) the virtual_router_id must be set',
      ]);
      assert.equal(r.config, null);
    });
    it('uses global default_interface when interface is missing', () => {
      const r = load('global_defs {\n default_interface bond0\n}\nvrrp_instance V {\n virtual_router_id 3\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n');
      assert.equal(only(r).interface, 'bond0');
    });
    it('rejects a non-number', () => {
      assert.deepEqual(diags(load(instance('    priority high'))), ["4 error priority: invalid number 'high'"]);
    });
  });

  describe('preemption', () => {
    it('clears nopreempt and preempt_delay for state MASTER with warnings', () => {
      const r = load(instance('    state MASTER\n    priority 150\n    nopreempt\n    preempt_delay 10'));
      const i = only(r);
      assert.equal(i.nopreempt, false);
      assert.equal(i.preemptDelayMs, 0);
      assert.deepEqual(diags(r), [
        '6 warning (VI_1) Warning - nopreempt will not work with initial state MASTER - clearing',
        '7 warning (VI_1) Warning - preempt delay will not work with initial state MASTER - clearing',
      ]);
    });
    it('keeps nopreempt and preempt_delay for BACKUP; preempt clears nopreempt', () => {
      const i = only(load(instance('    nopreempt\n    preempt_delay 2.5')));
      assert.equal(i.nopreempt, true);
      assert.equal(i.preemptDelayMs, 2500);
      assert.equal(only(load(instance('    nopreempt\n    preempt'))).nopreempt, false);
    });
    it('clears nopreempt for priority 255', () => {
      const r = load(instance('    priority 255\n    nopreempt'));
      assert.equal(only(r).nopreempt, false);
    });
  });

  describe('authentication', () => {
    it('reads PASS and truncates auth_pass to 8 characters with a warning', () => {
      const r = load(instance('    authentication {\n        auth_type PASS\n        auth_pass 123456789abc\n    }'));
      assert.deepEqual(only(r).auth, { type: 'PASS', password: '12345678' });
      assert.deepEqual(diags(r), ['6 warning Truncating auth_pass to 8 characters']);
    });
    it('ignores authentication with VRRPv3, with a warning', () => {
      const r = load(instance('    version 3\n    authentication {\n        auth_type PASS\n        auth_pass secret\n    }'));
      assert.equal(only(r).auth, null);
      assert.deepEqual(diags(r), ['5 warning (VI_1) VRRP version 3 does not support authentication. Ignoring.']);
    });
    it('reads auth_type AH (keepalived IPsec AH) with its 8-character auth_pass', () => {
      const r = load(instance('    authentication {\n        auth_type AH\n        auth_pass secret12\n    }'));
      assert.deepEqual(only(r).auth, { type: 'AH', password: 'secret12' });
      assert.deepEqual(diags(r), []);
    });
    it('AH with VRRPv3: keepalived\'s warning at the authentication line, and no authentication', () => {
      const r = load(instance('    version 3\n    authentication {\n        auth_type AH\n        auth_pass secret\n    }'));
      assert.equal(only(r).auth, null);
      assert.deepEqual(diags(r), ['5 warning (VI_1) VRRP version 3 does not support authentication. Ignoring.']);
    });
    it('AH on an IPv6 instance (always VRRPv3 in vipd): warned at its line and ignored, never sent over IPv6', () => {
      const text = 'vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    authentication {\n        auth_type AH\n        auth_pass x\n    }\n    virtual_ipaddress {\n        fd00::100/64\n    }\n}\n';
      const r = load(text);
      assert.equal(only(r).auth, null);
      assert.deepEqual(diags(r), ['4 warning (VI_1) VRRP version 3 does not support authentication. Ignoring.']);
    });
    it('AH with state MASTER below 255: keepalived clears the initial state (it needs a sequence number first)', () => {
      const r = load(instance('    state MASTER\n    priority 150\n    authentication {\n        auth_type AH\n        auth_pass x\n    }'));
      assert.equal(only(r).initialState, 'BACKUP');
      assert.deepEqual(diags(r), ['6 warning (VI_1) Initial state master is incompatible with AH authentication - clearing']);
    });
    it('refuses an unknown auth_type', () => {
      const r = load(instance('    authentication {\n        auth_type MD5\n        auth_pass x\n    }'));
      assert.deepEqual(diags(r), ["5 error auth_type: unknown authentication type 'MD5' (PASS or AH)", '4 error authentication: missing auth_type (PASS or AH)'].sort());
    });
    it('keeps # inside quotes but cuts an unquoted auth_pass at #, like keepalived', () => {
      const a = only(load(instance('    authentication {\n auth_type PASS\n auth_pass ab#cd\n }'))).auth;
      assert.equal(a?.password, 'ab');
      const b = only(load(instance('    authentication {\n auth_type PASS\n auth_pass "ab#cd"\n }'))).auth;
      assert.equal(b?.password, 'ab#cd');
    });
  });

  describe('addresses', () => {
    it('reads VIP options: brd, dev, label, scope, no_track', () => {
      const r = load(instance('    virtual_ipaddress_excluded {\n        192.168.1.5/24 brd 192.168.1.255 dev eth1 label eth1:vip scope global no_track\n    }'));
      assert.deepEqual(only(r).excludedVips.map(({ source: _s, ...v }) => v), [
        { address: '192.168.1.5', family: 'inet', prefixLength: 24, broadcast: '192.168.1.255', dev: 'eth1', label: 'eth1:vip', scope: 'global', noTrack: true },
      ]);
    });
    it('reports bad addresses and unknown VIP options with the entry line', () => {
      const r = load(instance('    virtual_ipaddress_excluded {\n        10.1.0.300\n        10.1.0.5/33\n        10.1.0.6 colour blue\n    }'));
      assert.deepEqual(errors(r).map((d) => `${d.line} ${d.message}`), [
        "5 virtual_ipaddress_excluded: invalid address '10.1.0.300'",
        "6 virtual_ipaddress_excluded: invalid address '10.1.0.5/33'",
        "7 virtual_ipaddress_excluded: unknown option 'colour' for 10.1.0.6",
      ]);
    });
    it('reads unicast_src_ip and unicast_peer with min_ttl/max_ttl', () => {
      const i = only(load(instance('    unicast_src_ip 10.1.0.1\n    unicast_peer {\n        10.1.0.2 min_ttl 250 max_ttl 255\n        10.9.0.2\n    }')));
      assert.equal(i.unicastSrcIp, '10.1.0.1');
      assert.deepEqual(i.unicastPeers.map((p) => [p.address, p.minTtl, p.maxTtl]), [['10.1.0.2', 250, 255], ['10.9.0.2', null, null]]);
    });
    it('refuses a peer of the other family', () => {
      const r = load(instance('    unicast_peer {\n        fd00::2\n    }'));
      assert.deepEqual(diags(r), ['5 error (VI_1) unicast peer fd00::2 is not IPv4 like the instance']);
    });
    it('parses virtual_routes (the whole grammar is in routes.test.ts)', () => {
      const i = only(load(instance('    virtual_routes {\n        src 10.1.0.100 to 192.168.0.0/16 via 10.1.0.254 dev eth0 metric 5\n        default via 10.1.0.254 table 100\n        10.98.0.0/16 dev eth0 table main\n    }')));
      assert.deepEqual(i.virtualRoutes.map((r) => [`${r.destination.address}/${r.destination.prefixLength}`, r.via, r.src, r.dev, r.table, r.metric]), [
        ['192.168.0.0/16', '10.1.0.254', '10.1.0.100', 'eth0', 254, 5],
        ['0.0.0.0/0', '10.1.0.254', null, null, 100, null],
        ['10.98.0.0/16', null, null, 'eth0', 254, null],
      ]);
    });
  });

  describe('other instance keywords', () => {
    it('reads GARP, tracking, notify, VMAC and flags', () => {
      const r = load(
        'vrrp_script chk {\n script "/bin/true"\n}\ntrack_file tf {\n file /run/tf\n}\n' +
          instance([
            '    garp_master_delay 1', '    garp_master_repeat 3', '    garp_master_refresh 60', '    garp_master_refresh_repeat 2',
            '    garp_lower_prio_delay 0.5', '    garp_lower_prio_repeat 1', '    lower_prio_no_advert', '    higher_prio_send_advert on',
            '    track_interface {\n        eth1 weight -20\n    }', '    track_script {\n        chk weight 10 reverse\n    }',
            '    track_file {\n        tf\n    }', '    dont_track_primary', '    use_vmac vrrp51', '    vmac_xmit_base',
            '    notify_master "/usr/local/bin/vrrp.sh  MASTER  VI_1"', "    notify /bin/notify 'two words'",
            '    notify_master_rx_lower_pri /bin/rx', '    debug 2', '    v3_checksum_as_v2', '    down_timer_adverts 5',
            '    mcast_src_ip 10.1.0.1', '    skip_check_adv_addr', '    check_unicast_src',
          ].join('\n')),
      );
      const i = only(r);
      assert.deepEqual(i.garp, { masterDelayMs: 1000, masterRepeat: 3, masterRefreshMs: 60000, masterRefreshRepeat: 2, lowerPrioDelayMs: 500, lowerPrioRepeat: 1 });
      assert.equal(i.lowerPrioNoAdvert, true);
      assert.equal(i.higherPrioSendAdvert, true);
      assert.deepEqual(i.trackInterfaces.map((t) => [t.name, t.weight, t.reverse]), [['eth1', -20, false]]);
      assert.deepEqual(i.trackScripts.map((t) => [t.name, t.weight, t.reverse]), [['chk', 10, true]]);
      assert.deepEqual(i.trackFiles.map((t) => [t.name, t.weight]), [['tf', null]]);
      assert.equal(i.dontTrackPrimary, true);
      assert.deepEqual(i.vmac, { name: 'vrrp51', xmitBase: true });
      assert.deepEqual(i.notify.master?.argv, ['/usr/local/bin/vrrp.sh', 'MASTER', 'VI_1']);
      assert.deepEqual(i.notify.generic?.argv, ['/bin/notify', 'two words']);
      assert.deepEqual(i.notify.masterRxLowerPri?.argv, ['/bin/rx']);
      assert.equal(i.debugLevel, 2);
      assert.equal(i.v3ChecksumAsV2, true);
      assert.equal(i.downTimerAdverts, 5);
      assert.equal(i.mcastSrcIp, '10.1.0.1');
      assert.equal(i.skipCheckAdvAddr, true);
      assert.equal(i.checkUnicastSrc, true);
      assert.deepEqual(diags(r), []);
    });
    it('accepts smtp_alert with a warning', () => {
      const r = load(instance('    smtp_alert'));
      assert.equal(only(r).smtpAlert, true);
      assert.deepEqual(diags(r), ['4 warning smtp_alert is accepted and ignored: vipd sends no e-mail alerts; use notify scripts or the notify FIFO']);
    });
    it('accepts the deprecated lvs_sync_daemon_interface as the global sync daemon of this instance (syncid = VRID)', () => {
      const r = load(instance('    lvs_sync_daemon_interface eth1'));
      assert.deepEqual(diags(r), ['4 warning (VI_1) Specifying lvs_sync_daemon_interface against a vrrp is deprecated; please use global lvs_sync_daemon']);
      const d = r.config!.lvs.syncDaemon!;
      assert.deepEqual([d.interface, d.instance, d.syncId, d.source.line], ['eth1', 'VI_1', 51, 4]);
    });
    it('refuses lvs_sync_daemon inside vrrp_instance (it belongs in global_defs)', () => {
      const r = load(instance('    lvs_sync_daemon eth1'));
      assert.equal(r.config, null);
      assert.equal(errors(r)[0]!.line, 4);
      assert.match(errors(r)[0]!.message, /goes in global_defs/);
    });
    it('warns on unknown keywords, errors with strict', () => {
      const text = instance('    bogus_keyword 1');
      const r = load(text);
      assert.ok(r.config);
      assert.deepEqual(diags(r), ["4 warning Unknown keyword 'bogus_keyword' in vrrp_instance VI_1"]);
      const s = load(text, { strict: true });
      assert.equal(s.config, null);
      assert.deepEqual(diags(s), ["4 error Unknown keyword 'bogus_keyword' in vrrp_instance VI_1"]);
    });
    it("keeps ';' as part of a word, like keepalived (interface lo; names 'lo;')", () => {
      assert.equal(only(load(instance('', 'VI_1', 'interface lo;\n    virtual_router_id 51'))).interface, 'lo;');
    });
  });
});
