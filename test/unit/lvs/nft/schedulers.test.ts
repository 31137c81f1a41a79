// What the nftables plane refuses, with what works named, and the spec comments that let read() rebuild a table.
import assert from 'node:assert/strict';
import type { DestSpec, ServiceSpec } from '../../../../src/lvs/model.js';
import {
  destChain,
  destComment,
  parseDestComment,
  parseServiceComment,
  serviceChain,
  serviceChainOfDest,
  serviceComment,
} from '../../../../src/lvs/nft/names.js';
import { clientKey } from '../../../../src/lvs/nft/persistence.js';
import { nftDrFits, nftSupports, nftSupportsForward } from '../../../../src/lvs/nft/schedulers.js';

describe('nftables plane: what it supports', () => {
  it('runs rr, wrr, sh, mh and random, with sh/mh flags and persistence', () => {
    for (const s of ['rr', 'wrr', 'sh', 'mh', 'random']) assert.equal(nftSupports(s, 0), null, s);
    assert.equal(nftSupports('sh', 0x1 | 0x8 | 0x10), null);
  });

  it('refuses the schedulers that need connection counts, naming why and what works', () => {
    for (const s of ['lc', 'wlc', 'sed', 'nq', 'lblc', 'lblcr', 'ovf', 'twos']) {
      const why = nftSupports(s, 0);
      assert.match(why ?? '', /needs live connection counts/, s);
      assert.match(why ?? '', /rr, wrr, sh, mh, random/);
    }
    for (const s of ['dh', 'fo', 'nonsense']) assert.match(nftSupports(s, 0) ?? '', /rr, wrr, sh, mh, random/, s);
    assert.match(nftSupports('rr', 0x4) ?? '', /one-packet/);
  });

  it('forwards with NAT and DR; TUN is refused by name', () => {
    assert.equal(nftSupportsForward('masq'), null);
    assert.equal(nftSupportsForward('route'), null);
    assert.match(nftSupportsForward('tunnel') ?? '', /lvs_method TUN .*lvs_method NAT and DR/);
  });

  it('DR: no fwmark service, no mix with NAT in one service', () => {
    assert.equal(nftDrFits({}, 'route', ['route']), null);
    assert.equal(nftDrFits({ fwmark: 1 }, 'masq', []), null);
    assert.match(nftDrFits({ fwmark: 1 }, 'route', []) ?? '', /before any rule could set a fwmark/);
    assert.match(nftDrFits({}, 'route', ['masq']) ?? '', /mixing lvs_method DR and NAT/);
    assert.match(nftDrFits({}, 'masq', ['route']) ?? '', /mixing lvs_method DR and NAT/);
  });
});

describe('nftables plane: names and spec comments', () => {
  const web: ServiceSpec = { family: 'inet', protocol: 'tcp', address: '10.1.0.100', port: 80, scheduler: 'wrr', flags: 1, timeoutS: 300, netmaskBits: 24 };
  const v6: ServiceSpec = { family: 'inet6', protocol: 'sctp', address: 'fd00:1::100', port: 9, scheduler: 'mh', flags: 16, timeoutS: 0, netmaskBits: 128, peName: 'sip' };
  const fwm: ServiceSpec = { family: 'inet6', fwmark: 4294967295, scheduler: 'rr', flags: 0, timeoutS: 0, netmaskBits: 128 };
  const d: DestSpec = { address: 'fd00:2::11', port: 65535, forward: 'masq', weight: 2147483647, upperThreshold: 10, lowerThreshold: 5 };

  it('names chains from the identity', () => {
    assert.equal(serviceChain(web), 's_tcp_10.1.0.100_80');
    assert.equal(serviceChain(v6), 's_sctp_fd00x1xx100_9');
    assert.equal(serviceChain(fwm), 's_fwm6_4294967295');
    assert.equal(destChain(v6, d), 'r_sctp_fd00x1xx100_9_fd00x2xx11_65535');
    assert.equal(serviceChainOfDest(destChain(v6, d), d), serviceChain(v6));
    assert.equal(serviceChainOfDest('r_x', d), null);
  });

  it('round-trips specs through comments that fit nft\'s 128 bytes', () => {
    for (const s of [web, v6, fwm]) {
      assert.deepEqual(parseServiceComment(serviceComment(s)), s);
      assert.ok(serviceComment(s).length <= 128);
    }
    assert.deepEqual(parseDestComment(destComment(d)), d);
    assert.equal(serviceComment(web), 'vipd1 svc tcp inet 10.1.0.100 80 wrr 1 300 24 -');
    assert.equal(destComment(d), 'vipd1 rs fd00:2::11 65535 masq 2147483647 10 5');
  });

  it('refuses damaged comments', () => {
    for (const bad of ['', 'vipd1 svc tcp inet 10.1.0.100 80 wrr 1 300 24', 'vipd2 svc tcp inet 10.1.0.100 80 wrr 1 300 24 -', 'vipd1 svc tcp inet 10.1.0.100 70000 wrr 1 300 24 -', 'vipd1 svc icmp inet 10.1.0.100 80 wrr 1 300 24 -', 'vipd1 svc tcp inet x;y 80 wrr 1 300 24 -', 'vipd1 svc tcp inet 10.1.0.100 80 wrr 1 300 129 -']) {
      assert.equal(parseServiceComment(bad), null, bad);
    }
    for (const bad of ['vipd1 rs 10.0.0.1 80 masq -1 0 0', 'vipd1 rs 10.0.0.1 80 teleport 1 0 0', 'vipd1 rs 10.0.0.1 80 masq 1 0']) assert.equal(parseDestComment(bad), null, bad);
  });

  it('masks the client by the persistence granularity', () => {
    assert.equal(clientKey(web), 'ip saddr & 255.255.255.0');
    assert.equal(clientKey({ ...web, netmaskBits: 32 }), 'ip saddr');
    assert.equal(clientKey({ ...web, netmaskBits: 17 }), 'ip saddr & 255.255.128.0');
    assert.equal(clientKey({ ...v6, netmaskBits: 48 }), 'ip6 saddr & ffff:ffff:ffff::');
    assert.equal(clientKey({ ...v6, netmaskBits: 60 }), 'ip6 saddr & ffff:ffff:ffff:fff0::');
    assert.equal(clientKey(v6), 'ip6 saddr');
  });
});
