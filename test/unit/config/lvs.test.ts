// virtual_server / real_server / virtual_server_group: keepalived's defaults, inheritance and fixups
// (lvs.md §1.1-1.7; check_data.c validate_check_config), each on a hand-written snippet, every finding at its line.
import assert from 'node:assert/strict';
import type { LoadResult } from '../../../src/config/index.js';
import type { VirtualServerConfig } from '../../../src/config/types.js';
import { diags, errors, load } from './helpers.js';

/** A full VS head (protocol, scheduler, method given) so only the lines under test speak. */
function vs(body: string, head = '10.1.0.100 80', full = true): string {
  const std = full ? ' protocol TCP\n lb_algo rr\n lb_kind NAT\n' : '';
  return `virtual_server ${head} {\n${std}${body}}\n`;
}
const RS = ' real_server 10.1.1.1 80 {\n }\n';

function one(r: LoadResult): VirtualServerConfig {
  assert.ok(r.config, diags(r).join('\n'));
  return r.config.virtualServers[0]!;
}

describe('config/virtual_server (LVS)', () => {
  describe('defaults (lvs.md §1.2)', () => {
    it('protocol UDP, scheduler wlc, method NAT, each with a warning at the virtual_server line', () => {
      const r = load(vs(RS, '10.1.0.100 80', false));
      assert.deepEqual(diags(r), [
        '1 warning virtual_server 10.1.0.100 80: no protocol set - defaulting to UDP',
        "1 warning virtual_server 10.1.0.100 80: no scheduler set, setting default 'wlc'",
        '1 warning virtual_server 10.1.0.100 80: no forwarding method set, setting default NAT',
      ]);
      const v = one(r);
      assert.deepEqual([v.protocol, v.scheduler, v.method, v.delayLoopMs, v.quorum, v.hysteresis, v.persistence], ['UDP', 'wlc', { kind: 'NAT' }, 60000, 1, 0, null]);
      assert.deepEqual([v.id, v.name, v.keys], ['UDP:10.1.0.100:80', '10.1.0.100 80', [{ kind: 'address', family: 'inet', protocol: 'UDP', address: '10.1.0.100', port: 80 }]]);
      const rs = v.realServers[0]!;
      assert.deepEqual([rs.weight, rs.port, rs.inhibitOnFailure, rs.alpha, rs.upperThreshold, rs.lowerThreshold], [1, 80, false, false, 0, 0]);
    });
    it('a bare persistence_timeout is 360 s; granularity implies it; an IPv4 mask becomes prefix bits', () => {
      assert.deepEqual(one(load(vs(' persistence_timeout\n' + RS))).persistence, { timeoutS: 360, netmaskBits: 32, engine: null });
      assert.deepEqual(one(load(vs(' persistence_granularity 255.255.255.0\n' + RS))).persistence, { timeoutS: 360, netmaskBits: 24, engine: null });
      assert.deepEqual(one(load(vs(' persistence_timeout 50\n persistence_engine sip\n' + RS))).persistence, { timeoutS: 50, netmaskBits: 32, engine: 'sip' });
    });
    it('refuses a non-contiguous granularity mask and an unknown persistence engine, at their lines', () => {
      const r = load(vs(' persistence_granularity 255.0.255.0\n persistence_engine foo\n' + RS));
      assert.equal(r.config, null);
      assert.deepEqual(errors(r).map((d) => d.line), [5, 6]);
      assert.match(errors(r)[0]!.message, /not contiguous/);
      assert.match(errors(r)[1]!.message, /only 'sip'/);
    });
    it('an address VS without a port is made persistent (360 s) with a warning', () => {
      const r = load(vs(' real_server 10.1.1.1 {\n }\n', '10.1.0.100'));
      assert.deepEqual(diags(r), ['1 warning virtual_server 10.1.0.100: zero port only valid for persistent services - setting persistence_timeout 360']);
      const v = one(r);
      assert.equal(v.persistence?.timeoutS, 360);
      assert.equal(v.realServers[0]!.port, 0);
    });
    it('IPv6: the identity brackets the address and granularity is a prefix length', () => {
      const v = one(load(vs(' persistence_granularity 64\n real_server 2001:db8::10 80 {\n }\n', '2001:db8::1 80')));
      assert.equal(v.id, 'TCP:[2001:db8::1]:80');
      assert.equal(v.persistence?.netmaskBits, 64);
    });
  });

  describe('scheduler flags', () => {
    it('sh-port after lvs_sched sh is kept; before it (or with another scheduler) is an error', () => {
      assert.deepEqual(one(load(vs(' lvs_sched sh\n sh-port\n sh-fallback\n flag-3\n ops\n' + RS, '10.1.0.100 80', false).replace('{\n', '{\n protocol UDP\n lb_kind DR\n'))).schedulerFlags, ['sh-port', 'sh-fallback', 'flag-3']);
      const r = load('virtual_server 10.1.0.100 80 {\n protocol TCP\n lb_kind NAT\n sh-port\n lvs_sched sh\n' + RS + '}\n');
      assert.deepEqual(errors(r).map((d) => d.line), [4]);
      assert.match(errors(r)[0]!.message, /sh-port only applies to the sh scheduler, and 'lvs_sched sh' must come before it/);
    });
    it('refuses an unknown scheduler', () => {
      const r = load(vs(' lvs_sched bogus\n' + RS));
      assert.deepEqual(errors(r).map((d) => `${d.line} ${d.message.slice(0, 36)}`), ['5 lvs_sched: invalid scheduler \'bogus\'']);
    });
    it('ops with TCP is reset with a warning (UDP or fwmark only)', () => {
      const r = load(vs(' ops\n' + RS));
      assert.equal(one(r).onePacket, false);
      assert.deepEqual(diags(r), ['5 warning virtual_server 10.1.0.100 80: one packet scheduling (ops) requires UDP or a fwmark - resetting']);
    });
  });

  describe('inheritance VS → RS → checker (lvs.md §1.1)', () => {
    it('alpha, inhibit_on_failure, weight, timers and virtualhost flow down; lower levels override', () => {
      const text = vs(
        ' alpha\n inhibit_on_failure\n weight 7\n retry 4\n connect_timeout 2.5\n delay_loop 3\n warmup 1\n delay_before_retry 0.5\n virtualhost vs.example\n' +
          ' real_server 10.1.1.1 80 {\n  HTTP_GET {\n   url {\n    path /\n   }\n  }\n }\n' +
          ' real_server 10.1.1.2 80 {\n  weight 2\n  alpha off\n  inhibit_on_failure false\n  retry 2\n  virtualhost rs.example\n  TCP_CHECK {\n   retry 0\n   delay_loop 10\n  }\n }\n',
      );
      const v = one(load(text));
      const [a, b] = v.realServers;
      assert.deepEqual([a!.weight, a!.alpha, a!.inhibitOnFailure], [7, true, true]);
      assert.deepEqual([b!.weight, b!.alpha, b!.inhibitOnFailure], [2, false, false]);
      const ca = a!.checkers[0]!;
      assert.ok(ca.type === 'HTTP_GET');
      assert.deepEqual(
        [ca.retry, ca.connectTimeoutMs, ca.delayLoopMs, ca.warmupMs, ca.delayBeforeRetryMs, ca.alpha, ca.virtualhost, ca.urls[0]!.virtualhost],
        [4, 2500, 3000, 1000, 500, true, 'vs.example', 'vs.example'],
      );
      const cb = b!.checkers[0]!;
      assert.ok(cb.type === 'TCP_CHECK');
      // warmup and delay_before_retry still come from the VS; retry 0 is allowed at checker level.
      assert.deepEqual([cb.retry, cb.delayLoopMs, cb.warmupMs, cb.delayBeforeRetryMs, cb.alpha], [0, 10000, 1000, 500, false]);
    });
    it('checker defaults: retry 1 (DNS 3, MISC 0); delay_before_retry HTTP 3 s, DNS = delay_loop, else 1 s; warmup = delay_loop', () => {
      const text = vs(
        ' delay_loop 6\n real_server 10.1.1.1 80 {\n  TCP_CHECK {\n  }\n  HTTP_GET {\n   url {\n    path /\n   }\n  }\n  DNS_CHECK {\n  }\n  MISC_CHECK {\n   misc_path "/bin/true x"\n  }\n }\n',
      );
      const c = one(load(text)).realServers[0]!.checkers;
      assert.deepEqual(c.map((x) => (x.type === 'FILE_CHECK' ? [] : [x.type, x.retry, x.delayBeforeRetryMs, x.warmupMs, x.connectTimeoutMs])), [
        ['TCP_CHECK', 1, 1000, 6000, 5000],
        ['HTTP_GET', 1, 3000, 6000, 5000],
        ['DNS_CHECK', 3, 6000, 6000, 5000],
        ['MISC_CHECK', 0, 1000, 6000, 5000],
      ]);
      const misc = c[3]!;
      assert.ok(misc.type === 'MISC_CHECK');
      assert.deepEqual([misc.script.command, misc.timeoutMs], ['/bin/true x', 6000]);
    });
    it('lvs_method of the VS is the RS default; the RS may override it', () => {
      const v = one(load(vs(' lb_kind DR\n' + RS + ' real_server 10.1.1.2 8080 {\n  lvs_method NAT\n }\n', '10.1.0.100 80', false).replace('{\n', '{\n protocol TCP\n lb_algo rr\n')));
      assert.deepEqual(v.realServers.map((r) => [r.method.kind, r.port]), [['DR', 80], ['NAT', 8080]]);
    });
  });

  describe('port fixups (lvs.md §1.3)', () => {
    it('DR/TUN real servers take the VS port (warning when another was written); NAT without port gets it', () => {
      const r = load('virtual_server 10.1.0.100 80 {\n protocol TCP\n lb_algo rr\n lb_kind DR\n real_server 10.1.1.1 8080 {\n }\n real_server 10.1.1.2 {\n  lvs_method NAT\n }\n}\n');
      assert.deepEqual(diags(r), ['5 warning virtual_server 10.1.0.100 80: real server 10.1.1.1:8080: DR needs the virtual server\'s port 80 - resetting']);
      assert.deepEqual(one(r).realServers.map((x) => x.port), [80, 80]);
    });
    it('a fwmark VS: non-NAT ports become 0 (warning), protocol is ignored with a warning, family from the RS', () => {
      const r = load('virtual_server fwmark 7 {\n protocol TCP\n lb_algo rr\n lb_kind DR\n real_server 2001:db8::5 80 {\n }\n}\n');
      assert.deepEqual(diags(r), [
        '2 warning virtual_server fwmark 7: protocol specified for fwmark - protocol will be ignored',
        '5 warning virtual_server fwmark 7: real server 2001:db8::5:80 has a port, but a fwmark DR destination has none - clearing',
      ]);
      const v = one(r);
      assert.deepEqual([v.id, v.keys, v.realServers[0]!.port], ['fwmark:inet6:7', [{ kind: 'fwmark', family: 'inet6', fwmark: 7 }], 0]);
    });
  });

  describe('quorum and hysteresis', () => {
    it('quorum is capped at the total weight, hysteresis at quorum − 1', () => {
      const r = load(vs(' quorum 10\n hysteresis 5\n real_server 10.1.1.1 80 {\n  weight 2\n }\n real_server 10.1.1.2 80 {\n  weight 1\n }\n'));
      assert.deepEqual(diags(r), [
        '1 warning virtual_server 10.1.0.100 80: quorum 10 exceeds the total weight of the real servers 3, reducing quorum to 3',
        '1 warning virtual_server 10.1.0.100 80: hysteresis 5 >= quorum 3; setting hysteresis to 2',
      ]);
      assert.deepEqual([one(r).quorum, one(r).hysteresis], [3, 2]);
    });
    it('quorum_up/down keep the command and an optional user and group', () => {
      const v = one(load(vs(' quorum_up "/bin/up.sh a b" nobody nogroup\n quorum_down /bin/down.sh\n' + RS)));
      assert.deepEqual([v.quorumUp, v.quorumDown], [{ command: '/bin/up.sh a b', user: 'nobody', group: 'nogroup' }, { command: '/bin/down.sh', user: null, group: null }]);
    });
  });

  describe('real servers', () => {
    it('drops a duplicate real server with a warning at its line', () => {
      const r = load(vs(RS + RS));
      assert.deepEqual(diags(r), ['7 warning virtual_server 10.1.0.100 80: real server 10.1.1.1:80 is duplicated (first at /etc/keepalived/keepalived.conf:5) - removing second rs']);
      assert.equal(one(r).realServers.length, 1);
    });
    it('a virtual_server with no real_server is an error (keepalived drops it)', () => {
      const r = load(vs(''));
      assert.deepEqual(diags(r), ['1 error virtual_server 10.1.0.100 80 has no real servers (keepalived ignores such a virtual server)']);
    });
    it('refuses an RS of another family unless tunnelled, and lthreshold > uthreshold', () => {
      const r = load(vs(' real_server 2001:db8::1 80 {\n }\n real_server 10.1.1.1 80 {\n  uthreshold 5\n  lthreshold 9\n }\n'));
      assert.deepEqual(errors(r).map((d) => d.line), [5, 7]);
      assert.match(errors(r)[0]!.message, /don't match \(only TUN may mix them\)/);
      assert.match(errors(r)[1]!.message, /lthreshold 9 > uthreshold 5/);
    });
    it('reads TUN with its tunnel options and refuses the combinations keepalived refuses', () => {
      const v = one(load(vs(' real_server 10.1.1.1 80 {\n  lvs_method TUN type gue port 6080 csum\n }\n')));
      assert.deepEqual(v.realServers[0]!.method, { kind: 'TUN', tunnel: 'gue', tunnelPort: 6080, checksum: 'csum' });
      const r = load(vs(' real_server 10.1.1.1 80 {\n  lvs_method TUN type gue\n }\n real_server 10.1.1.2 80 {\n  lvs_method TUN csum\n }\n'));
      assert.deepEqual(errors(r).map((d) => d.line), [6, 9]);
    });
    it('sorry_server: inherits the VS method and port, sorry_server_inhibit needs it first', () => {
      const v = one(load(vs(' sorry_server 10.1.9.9\n sorry_server_inhibit\n' + RS)));
      assert.deepEqual(v.sorryServer, { address: '10.1.9.9', family: 'inet', port: 80, method: { kind: 'NAT' }, inhibit: true });
      const r = load(vs(' sorry_server_inhibit\n' + RS));
      assert.deepEqual(errors(r).map((d) => `${d.line} ${d.message}`), ['5 sorry_server_inhibit used before or without sorry_server']);
    });
  });

  describe('refusals and notices', () => {
    it('refuses BFD_CHECK and the regex PCRE options, warns about smtp_alert and snmp_name', () => {
      const r = load(vs(' smtp_alert\n snmp_name web\n real_server 10.1.1.1 80 {\n  BFD_CHECK {\n   name b\n  }\n  HTTP_GET {\n   url {\n    path /\n    regex_options caseless\n   }\n  }\n }\n'));
      assert.deepEqual(diags(r).map((d) => d.split(':')[0]), [
        "5 warning 'smtp_alert' is accepted and ignored",
        "6 warning 'snmp_name' is accepted and ignored",
        '8 error BFD_CHECK',
        '14 error regex_options',
      ]);
    });
    it('warns on ha_suspend with a fwmark and clears it', () => {
      const r = load('virtual_server fwmark 1 {\n lb_algo rr\n lb_kind DR\n ha_suspend\n real_server 10.1.1.1 {\n }\n}\n');
      assert.deepEqual(diags(r), ['4 warning virtual_server fwmark 1: cannot use ha_suspend with fwmarks - clearing ha_suspend']);
      assert.equal(one(r).haSuspend, false);
    });
    it('two blocks for the same service are an error at the second', () => {
      const r = load(vs(RS) + vs(RS));
      assert.deepEqual(errors(r).map((d) => d.line), [8]);
    });
  });
});

describe('config/virtual_server_group (lvs.md §1.7)', () => {
  const group = (entries: string) => `virtual_server_group G {\n${entries}}\n`;
  const user = (extra = '') => `virtual_server group G {\n protocol TCP\n lb_algo rr\n lb_kind DR\n${extra} real_server 10.1.1.1 {\n }\n}\n`;

  it('expands a last-octet range and a CIDR, keeps fwmarks, and gives address keys the VS protocol', () => {
    const r = load(group(' 10.1.0.1-3 80\n 10.2.0.0/31 443\n fwmark 5\n') + user());
    const v = one(r);
    assert.deepEqual(diags(r), []);
    assert.equal(v.id, 'group:G#0');
    assert.deepEqual(
      v.keys.map((k) => (k.kind === 'address' ? `${k.protocol}:${k.address}:${k.port}` : `fwmark:${k.family}:${k.fwmark}`)),
      ['TCP:10.1.0.1:80', 'TCP:10.1.0.2:80', 'TCP:10.1.0.3:80', 'TCP:10.2.0.0:443', 'TCP:10.2.0.1:443', 'fwmark:inet:5'],
    );
    assert.equal(r.config!.virtualServerGroups[0]!.members.length, 6);
  });
  it('IPv6 ranges step the last 16 bits (hex end)', () => {
    const v = one(load(group(' 2001:db8::a-c 80\n') + user().replace('10.1.1.1', '2001:db8::99')));
    assert.deepEqual(v.keys.map((k) => (k.kind === 'address' ? k.address : '')), ['2001:db8::a', '2001:db8::b', '2001:db8::c']);
  });
  it('refuses a range spanning more than the last octet, and set mask bits, at their lines', () => {
    const r = load(group(' 10.1.0.250-10.1.1.5 80\n 10.1.0.1/24 80\n 10.1.0.9 80\n') + user());
    assert.deepEqual(errors(r).map((d) => d.line), [2, 3]);
    assert.match(errors(r)[0]!.message, /spans more than the last octet/);
    assert.match(errors(r)[1]!.message, /mask bits not empty/);
  });
  it('an unknown group is an error at the virtual_server line', () => {
    const r = load(user());
    assert.deepEqual(diags(r), ['1 error virtual_server group G: virtual_server_group G is not defined']);
  });
  it('a port-less group entry makes the VS persistent; ordinals count VS blocks per group', () => {
    const r = load(group(' 10.1.0.1\n') + user() + user(' persistence_timeout 20\n'));
    assert.deepEqual(r.config!.virtualServers.map((v) => [v.id, v.persistence?.timeoutS]), [['group:G#0', 360], ['group:G#1', 20]]);
  });
});
