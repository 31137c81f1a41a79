// One VRRPv2 advert assembled field by field from RFC 3768 §5.1 (never by the encoder under test), and the
// instance config it fits: shared by the daemon tests that feed a running Daemon raw packets
// (daemon.drops.test.ts: malformed packets; daemon.repeat.test.ts: the short way for repeated adverts).

/** A BACKUP instance (VRID 51, priority 100, VRRPv2, PASS "secret", 1 s) that the default packet addresses. */
export const CONFIG_V2 = `
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  version 2
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass secret
  }
  virtual_ipaddress {
    10.1.0.100/24
  }
}
`;

/** The Internet checksum (RFC 1071) over `b`. */
export function checksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  if (b.length % 2) sum += b[b.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export const ip4 = (s: string): Buffer => Buffer.from(s.split('.').map(Number));

export interface V2Opts {
  vrid?: number;
  /** IP identification field (keepalived sends a new one per advert). */
  id?: number;
  priority?: number;
  ttl?: number;
  password?: string;
  src?: string;
  dst?: string;
  vips?: string[];
  intervalS?: number;
  corruptChecksum?: boolean;
}

/** VRRPv2 advert (auth PASS) in a 20-byte IPv4 header; defaults: VRID 51 from 10.1.0.9, priority 150, 1 s. */
export function v2Packet(o: V2Opts = {}): Buffer {
  const vips = o.vips ?? ['10.1.0.100'];
  const vrrp = Buffer.alloc(8 + 4 * vips.length + 8);
  vrrp[0] = 0x21; // version 2, type 1 (advertisement)
  vrrp[1] = o.vrid ?? 51;
  vrrp[2] = o.priority ?? 150;
  vrrp[3] = vips.length;
  vrrp[4] = 1; // auth type PASS
  vrrp[5] = o.intervalS ?? 1;
  vips.forEach((v, i) => ip4(v).copy(vrrp, 8 + 4 * i));
  Buffer.from(o.password ?? 'secret').copy(vrrp, 8 + 4 * vips.length);
  vrrp.writeUInt16BE(checksum(vrrp), 6);
  if (o.corruptChecksum) vrrp[6]! ^= 0x5a;
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip[1] = 0xc0;
  ip.writeUInt16BE(20 + vrrp.length, 2);
  ip.writeUInt16BE(o.id ?? 0x1234, 4);
  ip[8] = o.ttl ?? 255;
  ip[9] = 112;
  ip4(o.src ?? '10.1.0.9').copy(ip, 12);
  ip4(o.dst ?? '224.0.0.18').copy(ip, 16);
  ip.writeUInt16BE(checksum(ip), 10);
  return Buffer.concat([ip, vrrp]);
}
