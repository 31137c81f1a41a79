// IPVS's active/inactive connection counts on nftables (src/lvs/nft/connCount.ts). NAT: ctnetlink dump replies
// assembled by hand from include/uapi/linux/netfilter/nfnetlink_conntrack.h (nlattr: u16 length and u16 type in
// host order, NLA_F_NESTED = 0x8000, payload padded to 4; addresses and ports in network order; TCP state a u8
// in CTA_PROTOINFO_TCP, values of enum tcp_conntrack in nf_conntrack_tcp.h), decoded by the real codec and
// tallied. What IPVS does, which the expectations follow (Linux net/netfilter/ipvs/ip_vs_proto_tcp.c):
//   static const bool tcp_state_active_table[IP_VS_TCP_S_LAST] = {
//     [IP_VS_TCP_S_ESTABLISHED] = true, [IP_VS_TCP_S_SYN_SENT] = true, [IP_VS_TCP_S_SYN_RECV] = true,
//     [IP_VS_TCP_S_SYNACK] = true, every other state false };
// UDP never changes state from the IP_VS_CONN_F_INACTIVE it is bound with (ip_vs_ctl.c __ip_vs_update_dest:
// `conn_flags |= IP_VS_CONN_F_INACTIVE;`). DR: the JSON of `nft -j list sets table netdev vipd_dr` as
// nftables 1.0.6 printed it on the lab kernel (names and elements shortened by hand).
import assert from 'node:assert/strict';
import { decodeConntrack } from '../../../../src/conntrack/codec.js';
import type { ConntrackEntry } from '../../../../src/conntrack/types.js';
import { withConnectionCounts, type DestSpec, type ReadTable, type ServiceSpec } from '../../../../src/lvs/model.js';
import { countSetElements, drConnectionCounts, ipvsActive, NatConnTally } from '../../../../src/lvs/nft/connCount.js';
import { parseNlmsgs } from '../../../../src/net/netlinkMsg.js';

// --- hand-assembled ctnetlink messages --------------------------------------------------------------------------
const le16 = (n: number): string => [n & 0xff, n >> 8].map((b) => b.toString(16).padStart(2, '0')).join('');
const be16 = (n: number): string => n.toString(16).padStart(4, '0');
const be32 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
const ip4 = (a: string): string => a.split('.').map((b) => Number(b).toString(16).padStart(2, '0')).join('');
const pad = (h: string): string => h + '00'.repeat((4 - ((h.length / 2) % 4)) % 4);
/** One nlattr: length (header + payload, unpadded), type (| 0x8000 when nested), payload padded to 4. */
const nla = (type: number, payload: string, nested = false): string => le16(4 + payload.length / 2) + le16(type | (nested ? 0x8000 : 0)) + pad(payload);

// enum ctattr_type / ctattr_tuple / ctattr_ip / ctattr_l4proto / ctattr_protoinfo(_tcp, _sctp)
const CTA_TUPLE_ORIG = 1, CTA_TUPLE_REPLY = 2, CTA_STATUS = 3, CTA_PROTOINFO = 4, CTA_TIMEOUT = 7;
const CTA_TUPLE_IP = 1, CTA_TUPLE_PROTO = 2, CTA_IP_V4_SRC = 1, CTA_IP_V4_DST = 2;
const CTA_PROTO_NUM = 1, CTA_PROTO_SRC_PORT = 2, CTA_PROTO_DST_PORT = 3;
const CTA_PROTOINFO_TCP = 1, CTA_PROTOINFO_TCP_STATE = 1, CTA_PROTOINFO_SCTP = 3, CTA_PROTOINFO_SCTP_STATE = 1;
// enum ip_conntrack_status: SEEN_REPLY 2, ASSURED 4, CONFIRMED 8, DST_NAT 0x20, SRC_NAT_DONE 0x80, DST_NAT_DONE 0x100
const DNATED = 0x2 | 0x8 | 0x20 | 0x80 | 0x100;
const ASSURED = 0x4;

function tuple(type: number, src: string, dst: string, proto: number, sport: number, dport: number): string {
  const ipPart = nla(CTA_TUPLE_IP, nla(CTA_IP_V4_SRC, ip4(src)) + nla(CTA_IP_V4_DST, ip4(dst)), true);
  const protoPart = nla(CTA_TUPLE_PROTO, nla(CTA_PROTO_NUM, proto.toString(16).padStart(2, '0')) + nla(CTA_PROTO_SRC_PORT, be16(sport)) + nla(CTA_PROTO_DST_PORT, be16(dport)), true);
  return nla(type, ipPart + protoPart, true);
}

interface Flow {
  client: string;
  cport: number;
  vip: string;
  vport: number;
  rs: string;
  rport: number;
  proto: number;
  /** TCP: enum tcp_conntrack; SCTP: enum sctp_conntrack. */
  state?: number;
  status?: number;
}

/** A dump reply message (IPCTNL_MSG_CT_NEW, NLM_F_MULTI) for a DNATed flow, as ctnetlink_dump_table sends it. */
function dumpReply(f: Flow): Buffer {
  let attrs = tuple(CTA_TUPLE_ORIG, f.client, f.vip, f.proto, f.cport, f.vport) + tuple(CTA_TUPLE_REPLY, f.rs, f.client, f.proto, f.rport, f.cport);
  attrs += nla(CTA_STATUS, be32(f.status ?? DNATED));
  if (f.proto === 6) attrs += nla(CTA_PROTOINFO, nla(CTA_PROTOINFO_TCP, nla(CTA_PROTOINFO_TCP_STATE, (f.state ?? 3).toString(16).padStart(2, '0')), true), true);
  if (f.proto === 132) attrs += nla(CTA_PROTOINFO, nla(CTA_PROTOINFO_SCTP, nla(CTA_PROTOINFO_SCTP_STATE, (f.state ?? 3).toString(16).padStart(2, '0')), true), true);
  attrs += nla(CTA_TIMEOUT, be32(120));
  const body = '02000000' + attrs; // nfgenmsg: AF_INET, NFNETLINK_V0, res_id 0
  // nlmsghdr: length, type (NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW) = 0x0100, flags NLM_F_MULTI (2), seq, pid
  const hdr = le16(16 + body.length / 2) + '0000' + le16(0x0100) + le16(2) + '01000000' + '00000000';
  return Buffer.from(hdr + body, 'hex');
}

function decoded(f: Flow): ConntrackEntry {
  const [m] = parseNlmsgs(dumpReply(f));
  const d = decodeConntrack(m!);
  assert.ok(!('drop' in d), JSON.stringify(d));
  return d.entry;
}

// enum tcp_conntrack
const TCP = { SYN_SENT: 1, SYN_RECV: 2, ESTABLISHED: 3, FIN_WAIT: 4, CLOSE_WAIT: 5, LAST_ACK: 6, TIME_WAIT: 7, CLOSE: 8, SYN_SENT2: 9 } as const;

const WEB: ServiceSpec = { family: 'inet', protocol: 'tcp', address: '10.1.0.100', port: 80, scheduler: 'wrr', flags: 0, timeoutS: 0, netmaskBits: 32 };
const DNS: ServiceSpec = { ...WEB, protocol: 'udp', port: 53 };
const FWM: ServiceSpec = { family: 'inet', fwmark: 5, scheduler: 'rr', flags: 0, timeoutS: 0, netmaskBits: 32 };
const rs = (last: number, port = 8080, forward: DestSpec['forward'] = 'masq'): DestSpec => ({ address: `10.2.0.${last}`, port, forward, weight: 1, upperThreshold: 0, lowerThreshold: 0 });
const web = (rsLast: number, state: number, cport: number): Flow => ({ client: '10.9.0.1', cport, vip: '10.1.0.100', vport: 80, rs: `10.2.0.${rsLast}`, rport: 8080, proto: 6, state });

describe('nftables connection counts (IPVS ActiveConn/InActConn)', () => {
  it('TCP: SYN_SENT, SYN_RECV, SYN_SENT2 and ESTABLISHED are active, the closing states inactive (tcp_state_active_table)', () => {
    const active = [TCP.SYN_SENT, TCP.SYN_RECV, TCP.SYN_SENT2, TCP.ESTABLISHED];
    const inactive = [TCP.FIN_WAIT, TCP.CLOSE_WAIT, TCP.LAST_ACK, TCP.TIME_WAIT, TCP.CLOSE];
    for (const s of active) assert.equal(ipvsActive(decoded(web(11, s, 40000))), true, `state ${s}`);
    for (const s of inactive) assert.equal(ipvsActive(decoded(web(11, s, 40000))), false, `state ${s}`);
  });

  it('UDP is always inactive; SCTP is active once assured (its state is not decoded)', () => {
    assert.equal(ipvsActive(decoded({ client: '10.9.0.1', cport: 5000, vip: '10.1.0.100', vport: 53, rs: '10.2.0.11', rport: 53, proto: 17, status: DNATED | ASSURED })), false);
    const sctp = (status: number): Flow => ({ client: '10.9.0.1', cport: 5000, vip: '10.1.0.100', vport: 3868, rs: '10.2.0.11', rport: 3868, proto: 132, state: 3, status });
    assert.equal(ipvsActive(decoded(sctp(DNATED | ASSURED))), true);
    assert.equal(ipvsActive(decoded(sctp(DNATED))), false);
  });

  it('tallies per (service, real server): the right server, the right service, fwmark only for what no VIP service claims', () => {
    const tally = new NatConnTally([
      { spec: FWM, dests: [rs(11, 0)] },
      { spec: WEB, dests: [rs(11), rs(12)] },
      { spec: DNS, dests: [rs(11, 53)] },
    ]);
    const flows: Flow[] = [
      web(11, TCP.ESTABLISHED, 40001),
      web(11, TCP.ESTABLISHED, 40002),
      web(11, TCP.TIME_WAIT, 40003),
      web(12, TCP.SYN_SENT, 40004),
      web(12, TCP.FIN_WAIT, 40005),
      { client: '10.9.0.1', cport: 5000, vip: '10.1.0.100', vport: 53, rs: '10.2.0.11', rport: 53, proto: 17 },
      // Through the fwmark service: another VIP, DNATed to 10.2.0.11:443.
      { client: '10.9.0.2', cport: 40006, vip: '10.1.0.7', vport: 443, rs: '10.2.0.11', rport: 443, proto: 6, state: TCP.ESTABLISHED },
      // Not ours: a server of no service, a flow to the VIP on another port, a flow that was not DNATed.
      { client: '10.9.0.1', cport: 40007, vip: '10.1.0.100', vport: 80, rs: '10.2.0.99', rport: 8080, proto: 6, state: TCP.ESTABLISHED },
      { client: '10.9.0.1', cport: 40008, vip: '10.1.0.100', vport: 81, rs: '10.2.0.12', rport: 8080, proto: 6, state: TCP.ESTABLISHED },
      { client: '10.9.0.1', cport: 40009, vip: '10.2.0.11', vport: 22, rs: '10.2.0.11', rport: 22, proto: 6, state: TCP.ESTABLISHED, status: 0x2 | 0x8 },
    ];
    for (const f of flows) tally.add(decoded(f));
    const out = tally.result();
    assert.deepEqual(out.get('tcp:10.1.0.100:80'), new Map([['10.2.0.11:8080', { active: 2, inactive: 1 }], ['10.2.0.12:8080', { active: 1, inactive: 1 }]]));
    assert.deepEqual(out.get('udp:10.1.0.100:53'), new Map([['10.2.0.11:53', { active: 0, inactive: 1 }]]));
    assert.deepEqual(out.get('fwm:inet:5'), new Map([['10.2.0.11:0', { active: 1, inactive: 0 }]]));
    assert.equal(tally.seen, flows.length);
    assert.equal(tally.counted, 7);
  });

  it('DR: elements of f… and c… per real server; TCP active = open flows, inactive = closing ones; UDP inactive', () => {
    // `nft -j list sets table netdev vipd_dr` (nftables 1.0.6, lab kernel): two TCP servers, one UDP server.
    const set = (name: string, elems: [string, number, number][]): string =>
      `{"set": {"family": "netdev", "name": "${name}", "table": "vipd_dr", "type": ["ipv4_addr", "inet_service"], "handle": 7, "size": 1048576, "flags": ["timeout"]` +
      (elems.length ? `, "elem": [${elems.map(([a, p, t]) => `{"elem": {"val": {"concat": ["${a}", ${p}]}, "timeout": ${t}, "expires": ${t - 1}}}`).join(', ')}]` : '') +
      '}}';
    const json =
      '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, ' +
      [
        set('fr_tcp_10.1.0.100_80_10.2.0.11_80', [['10.9.0.1', 40001, 900], ['10.9.0.1', 40002, 900], ['10.9.0.1', 40003, 120]]),
        set('cr_tcp_10.1.0.100_80_10.2.0.11_80', [['10.9.0.1', 40003, 120]]),
        set('fr_tcp_10.1.0.100_80_10.2.0.12_80', []),
        set('cr_tcp_10.1.0.100_80_10.2.0.12_80', []),
        set('fr_udp_10.1.0.100_53_10.2.0.11_53', [['10.9.0.1', 5000, 300], ['10.9.0.2', 5000, 300]]),
      ].join(', ') +
      ']}';
    const elements = countSetElements(json);
    assert.equal(elements.get('fr_tcp_10.1.0.100_80_10.2.0.11_80'), 3);
    assert.equal(elements.get('cr_tcp_10.1.0.100_80_10.2.0.11_80'), 1);
    assert.equal(elements.get('fr_tcp_10.1.0.100_80_10.2.0.12_80'), 0);
    const dr = (d: DestSpec): DestSpec => ({ ...d, forward: 'route' });
    const out = drConnectionCounts([{ spec: WEB, dests: [dr(rs(11, 80)), dr(rs(12, 80)), dr(rs(13, 80))] }, { spec: DNS, dests: [dr(rs(11, 53))] }], elements);
    assert.deepEqual(out.get('tcp:10.1.0.100:80'), new Map([
      ['10.2.0.11:80', { active: 2, inactive: 1 }],
      ['10.2.0.12:80', { active: 0, inactive: 0 }],
      ['10.2.0.13:80', { active: 0, inactive: 0 }], // no set listed (yet): nothing
    ]));
    assert.deepEqual(out.get('udp:10.1.0.100:53'), new Map([['10.2.0.11:53', { active: 0, inactive: 2 }]]));
  });

  it('DR: text that is not a set listing counts nothing', () => {
    for (const junk of ['', 'Error: No such file or directory', '{"nftables": []}', '{"set": {"family": "netdev"', '{"set": {"name": "x']) {
      assert.ok([...countSetElements(junk).values()].every((n) => n === 0), junk);
    }
  });

  it('withConnectionCounts replaces the read-back 0s where counts exist and keeps the rest', () => {
    const stats = { conns: 1n, inPkts: 0n, outPkts: 0n, inBytes: 0n, outBytes: 0n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n };
    const d0 = { stats, activeConns: 0, inactiveConns: 0, persistentConns: 0 };
    const table: ReadTable = {
      services: [{ spec: WEB, dests: [rs(11), rs(12)] }, { spec: DNS, dests: [rs(11, 53)] }],
      counters: new Map([
        ['tcp:10.1.0.100:80', { service: stats, dests: new Map([['10.2.0.11:8080', d0], ['10.2.0.12:8080', d0]]) }],
        ['udp:10.1.0.100:53', { service: stats, dests: new Map([['10.2.0.11:53', d0]]) }],
      ]),
    };
    const merged = withConnectionCounts(table, new Map([['tcp:10.1.0.100:80', new Map([['10.2.0.11:8080', { active: 4, inactive: 2 }]])]]));
    assert.deepEqual(merged.counters.get('tcp:10.1.0.100:80')!.dests.get('10.2.0.11:8080'), { stats, activeConns: 4, inactiveConns: 2, persistentConns: 0 });
    assert.equal(merged.counters.get('tcp:10.1.0.100:80')!.dests.get('10.2.0.12:8080'), d0);
    assert.equal(merged.counters.get('udp:10.1.0.100:53'), table.counters.get('udp:10.1.0.100:53'));
    assert.equal(withConnectionCounts(table, null), table);
  });
});
