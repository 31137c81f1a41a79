// LVS globals (lvs.md §1.6), lvs_sync_daemon (§4.8), SSL, and the checker keywords of §3.2-3.3.
import assert from 'node:assert/strict';
import { diags, errors, instance, load } from './helpers.js';

const rs = (checker: string) =>
  `virtual_server 10.1.0.100 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.1.1.1 80 {\n${checker} }\n}\n`;

describe('config/LVS global keywords', () => {
  it('reads every LVS global and the vipd extensions; defaults when absent', () => {
    const none = load(instance(''));
    assert.deepEqual(none.config!.lvs, {
      flushAtStart: false, flushOnStop: 'no', timeouts: null, syncDaemon: null, notifyFifo: null, notifyFifoScript: null,
      rsInitNotifies: false, logAllFailures: false, ssl: null, keepOnStop: false, dataplane: 'auto',
    });
    const r = load(
      'global_defs {\n lvs_flush\n lvs_flush_on_stop VS\n lvs_timeouts tcp 7200 udp 60\n lvs_notify_fifo /run/lvs.fifo\n lvs_notify_fifo_script /bin/fifo.sh\n' +
        ' rs_init_notifies\n checker_log_all_failures\n vipd_lvs_keep_on_stop\n vipd_lvs_dataplane nftables\n}\n' +
        'SSL {\n ca ca.pem\n certificate /etc/c.pem\n key /etc/k.pem\n password pw\n}\n' + instance(''),
    );
    assert.deepEqual(diags(r), []);
    const l = r.config!.lvs;
    assert.deepEqual([l.flushAtStart, l.flushOnStop, l.timeouts, l.notifyFifo, l.notifyFifoScript?.command, l.rsInitNotifies, l.logAllFailures, l.keepOnStop, l.dataplane],
      [true, 'vs', { tcpS: 7200, tcpFinS: 0, udpS: 60 }, '/run/lvs.fifo', '/bin/fifo.sh', true, true, true, 'nftables']);
    assert.deepEqual(l.ssl, { ca: '/etc/keepalived/ca.pem', certificate: '/etc/c.pem', key: '/etc/k.pem', password: 'pw' });
  });
  it('checker_log_all_failures is the default of every checker, log_all_failures overrides it', () => {
    const r = load('global_defs {\n checker_log_all_failures\n}\n' + rs('  TCP_CHECK {\n  }\n  TCP_CHECK {\n   log_all_failures off\n  }\n'));
    const c = r.config!.virtualServers[0]!.realServers[0]!.checkers;
    assert.deepEqual(c.map((x) => x.type !== 'FILE_CHECK' && x.logAllFailures), [true, false]);
  });
  it('refuses nftables_ipvs*, a bad dataplane and bad timeouts, at their lines', () => {
    const r = load('global_defs {\n nftables_ipvs\n vipd_lvs_dataplane xdp\n lvs_timeouts tcp x\n lvs_flush_on_stop ALL\n}\n' + instance(''));
    assert.deepEqual(errors(r).map((d) => d.line), [2, 3, 4, 5]);
  });
});

describe('config/lvs_sync_daemon', () => {
  const vi = instance('', 'VI_1', 'interface eth0\n    virtual_router_id 51');
  it('inst names a vrrp_instance; syncid defaults to its VRID; options read', () => {
    const r = load('global_defs {\n lvs_sync_daemon eth1 inst VI_1 maxlen 1400 port 8849 ttl 2 group 224.0.0.99\n}\n' + vi);
    assert.deepEqual(diags(r), []);
    const d = r.config!.lvs.syncDaemon!;
    assert.deepEqual([d.interface, d.instance, d.syncId, d.maxLen, d.port, d.ttl, d.group, d.source.line], ['eth1', 'VI_1', 51, 1400, 8849, 2, '224.0.0.99', 2]);
  });
  it('without inst the syncid is 0; id overrides; the old positional form warns about SYNCID', () => {
    assert.equal(load('global_defs {\n lvs_sync_daemon eth1\n}\n' + vi).config!.lvs.syncDaemon!.syncId, 0);
    assert.equal(load('global_defs {\n lvs_sync_daemon eth1 inst VI_1 id 7\n}\n' + vi).config!.lvs.syncDaemon!.syncId, 7);
    const r = load('global_defs {\n lvs_sync_daemon eth1 VI_1 9\n}\n' + vi);
    assert.deepEqual(diags(r), ['2 warning Please use keyword "id" before lvs_sync_daemon SYNCID']);
    assert.deepEqual([r.config!.lvs.syncDaemon!.instance, r.config!.lvs.syncDaemon!.syncId], ['VI_1', 9]);
  });
  it('refuses an id above 255, a non-multicast group, a missing interface', () => {
    const r = load('global_defs {\n lvs_sync_daemon eth1 id 256\n}\n' + vi);
    assert.deepEqual(errors(r).map((d) => d.line), [2]);
    assert.deepEqual(errors(load('global_defs {\n lvs_sync_daemon eth1 group 10.0.0.1\n}\n' + vi)).map((d) => d.line), [2]);
    assert.deepEqual(errors(load('global_defs {\n lvs_sync_daemon\n}\n' + vi)).map((d) => d.line), [2]);
  });
  it('a global lvs_sync_daemon and an instance lvs_sync_daemon_interface conflict', () => {
    const r = load('global_defs {\n lvs_sync_daemon eth1\n}\n' + instance('    lvs_sync_daemon_interface eth2'));
    assert.deepEqual(errors(r).map((d) => d.line), [7]);
  });
});

describe('config/checkers (lvs.md §3.2-3.3)', () => {
  const checker = (text: string) => {
    const r = load(rs(text));
    assert.ok(r.config, diags(r).join('\n'));
    return r.config.virtualServers[0]!.realServers[0]!.checkers;
  };
  it('common connection options; timers accept decimals', () => {
    const [c] = checker('  TCP_CHECK {\n   connect_ip 10.9.9.9\n   connect_port 8080\n   bindto 10.0.0.1\n   bind_port 5000\n   bind_if eth0\n   connect_timeout 0.25\n   fwmark 9\n   delay_loop 1.5\n  }\n');
    assert.ok(c && c.type === 'TCP_CHECK');
    assert.deepEqual([c.connectIp, c.connectPort, c.bindTo, c.bindPort, c.bindIf, c.connectTimeoutMs, c.fwmark, c.delayLoopMs], ['10.9.9.9', 8080, '10.0.0.1', 5000, 'eth0', 250, 9, 1500]);
  });
  it('HTTP_GET/SSL_GET: urls, status ranges, protocol, sni, verify_certificate; default status 200-299', () => {
    const [h, s] = checker(
      '  HTTP_GET {\n   http_protocol 1.1\n   fast_recovery\n   url {\n    path /a\n    status_code 200 301-302\n    regex "ok"\n    regex_no_match\n   }\n   url {\n    path /b\n    virtualhost b.example\n   }\n  }\n' +
        '  SSL_GET {\n   enable_sni\n   verify_certificate\n   nb_get_retry 2\n   url {\n    path /\n   }\n  }\n',
    );
    assert.ok(h && h.type === 'HTTP_GET' && s && s.type === 'SSL_GET');
    assert.deepEqual([h.httpProtocol, h.fastRecovery, h.urls[0]!.statusCodes, h.urls[0]!.regex, h.urls[0]!.regexNoMatch, h.urls[1]!.statusCodes, h.urls[1]!.virtualhost],
      ['1.1', true, [[200, 200], [301, 302]], 'ok', true, [[200, 299]], 'b.example']);
    assert.deepEqual([s.enableSni, s.verifyCertificate, s.retry, s.httpProtocol], [true, true, 2, '1.0']);
  });
  it('refuses a bad digest, a status code out of 100-599, a url without path, an HTTP_GET without url', () => {
    const r = load(rs('  HTTP_GET {\n   url {\n    digest abc\n    status_code 600\n   }\n  }\n'));
    assert.ok(errors(r).some((d) => d.line === 8 && /digest/.test(d.message)));
    assert.ok(errors(r).some((d) => d.line === 9 && /status code/.test(d.message)));
    assert.ok(errors(r).some((d) => d.line === 7 && /no path/.test(d.message)));
    assert.ok(errors(r).some((d) => d.line === 6 && /no url/.test(d.message)));
  });
  it('SMTP_CHECK helo_name (default smtpchecker.keepalived.org) and host blocks, one checker each', () => {
    const c = checker('  SMTP_CHECK {\n   host {\n    connect_ip 10.2.2.2\n   }\n   host {\n    connect_port 587\n   }\n  }\n  SMTP_CHECK {\n   helo_name mx.example\n  }\n');
    assert.deepEqual(c.map((x) => x.type === 'SMTP_CHECK' && [x.connectIp, x.connectPort, x.heloName]), [
      ['10.2.2.2', 80, 'smtpchecker.keepalived.org'], ['10.1.1.1', 587, 'smtpchecker.keepalived.org'], ['10.1.1.1', 80, 'mx.example'],
    ]);
  });
  it('DNS_CHECK type/name (default SOA and the root); UDP_CHECK hex payload and require_reply with X nibbles', () => {
    const [d, d2, u, u2] = checker('  DNS_CHECK {\n   type aaaa\n   name example.org\n  }\n  DNS_CHECK {\n  }\n  UDP_CHECK {\n   payload 01 02ff a\n   require_reply 0aXX\n   min_reply_length 2\n   max_reply_length 10\n  }\n  UDP_CHECK {\n  }\n');
    assert.ok(d?.type === 'DNS_CHECK' && d2?.type === 'DNS_CHECK' && u?.type === 'UDP_CHECK' && u2?.type === 'UDP_CHECK');
    assert.deepEqual([d.queryType, d.name, d2.queryType, d2.name], ['AAAA', 'example.org', 'SOA', '.']);
    assert.deepEqual([u.payload?.toString('hex'), u.requireReply, u.requireReplyGiven, u.minReplyLength, u.maxReplyLength], ['0102ff0a', '0aXX', true, 2, 10]);
    assert.deepEqual([u2.payload, u2.requireReply, u2.requireReplyGiven, u2.maxReplyLength], [null, null, false, 255]);
  });
  it('MISC_CHECK misc_timeout/misc_dynamic/user; an unquoted command with arguments is refused', () => {
    const [m] = checker('  MISC_CHECK {\n   misc_path "/bin/check.sh 10.1.1.1"\n   misc_timeout 5\n   misc_dynamic\n   user nobody nogroup\n  }\n');
    assert.ok(m?.type === 'MISC_CHECK');
    assert.deepEqual([m.script, m.timeoutMs, m.dynamic], [{ command: '/bin/check.sh 10.1.1.1', user: 'nobody', group: 'nogroup' }, 5000, true]);
    const r = load(rs('  MISC_CHECK {\n   misc_path /bin/check.sh 10.1.1.1\n  }\n'));
    assert.deepEqual(errors(r).map((d) => d.line), [7]);
  });
  it('FILE_CHECK names a global track_file; weight defaults to the track_file\'s; unknown name refused', () => {
    const tf = 'track_file tf {\n file /run/w\n weight -3 reverse\n}\n';
    const [f] = load(tf + rs('  FILE_CHECK {\n   track_file tf\n  }\n')).config!.virtualServers[0]!.realServers[0]!.checkers;
    assert.deepEqual(f, { type: 'FILE_CHECK', source: f!.source, trackFile: 'tf', weight: -3, reverse: true, delayLoopMs: 60000 });
    const r = load(rs('  FILE_CHECK {\n   track_file nope\n   weight 2\n  }\n'));
    assert.deepEqual(errors(r).map((d) => `${d.line} ${d.message}`), ['7 FILE_CHECK: track_file nope not found (no track_file nope block)']);
  });
  it('an IPv6 link-local connect_ip needs bind_if; bindto must match its family', () => {
    const r = load(rs('  TCP_CHECK {\n   connect_ip fe80::1\n  }\n  TCP_CHECK {\n   bindto 2001:db8::1\n  }\n'));
    assert.deepEqual(errors(r).map((d) => d.line), [6, 9]);
  });
});
