// Micro-bench of a BACKUP's per-advert receive path (issue 12): a running Daemon on the in-memory OS and a
// virtual clock, N VRRPv3 instances, fed the master's adverts straight into its VRRP socket's handler (the point
// where the real socket hands over a datagram read by recvmmsg): packet router, decode, validation, runner, unit
// driver, core, timer re-arm. No system calls, no real time: what is left is vipd's user-space cost per advert.
//
//   node dist/bench/receivePath.js [--instances 255] [--interval-ms 10] [--seconds 20] [--rounds 5]
//
// The adverts are assembled here field by field (RFC 5798 §5.1, §5.2), as keepalived's master sends them: one
// per instance per interval, the IPv4 id counting up, everything else the same. Prints µs of CPU (user + system)
// per advert per round and the median. Run it as bin/vipd runs (`node --max-semi-space-size=1 …`); add --trace-gc
// to count V8's collections.
import { loadConfig } from '../src/config/index.js';
import { Daemon } from '../src/daemon/daemon.js';
import { VirtualClock } from '../src/clock/virtualClock.js';
import type { Logger } from '../src/log/logger.js';
import type { VrrpPacketMeta } from '../src/net/types.js';
import { MemoryOs, MemorySegment } from '../test/unit/daemon/memoryOs.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const instances = arg('instances', 255);
const intervalMs = arg('interval-ms', 10);
const seconds = arg('seconds', 20);
const rounds = arg('rounds', 5);

function configText(): string {
  let text = '';
  for (let i = 1; i <= instances; i++) {
    text += `vrrp_instance VI_${i} {\n  state BACKUP\n  interface eth0\n  virtual_router_id ${i}\n  priority 100\n  version 3\n`;
    text += `  advert_int ${intervalMs / 1000}\n  virtual_ipaddress {\n    10.9.${i >> 8}.${i & 0xff}/32\n  }\n}\n`;
  }
  return text;
}

function onesSum(b: Uint8Array, from = 0, sum = 0, to = b.length): number {
  for (let i = from; i + 1 < to; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if ((to - from) % 2) sum += b[to - 1]! << 8;
  return sum;
}
const fold = (sum: number): number => {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
};

/** The master's (10.1.0.2, priority 150) VRRPv3 advert for `vrid`, with its IPv4 header. */
function advert(vrid: number): Buffer {
  const pkt = Buffer.alloc(20 + 12);
  pkt[0] = 0x45;
  pkt[1] = 0xc0;
  pkt.writeUInt16BE(pkt.length, 2);
  pkt[8] = 255;
  pkt[9] = 112;
  pkt.set([10, 1, 0, 2], 12);
  pkt.set([224, 0, 0, 18], 16);
  pkt.writeUInt16BE(fold(onesSum(pkt.subarray(0, 20))), 10);
  const v = pkt.subarray(20);
  v[0] = 0x31;
  v[1] = vrid;
  v[2] = 150;
  v[3] = 1;
  v.writeUInt16BE(intervalMs / 10, 4);
  v.set([10, 9, vrid >> 8, vrid & 0xff], 8);
  // RFC 5798 §5.2.8: over the IPv4 pseudo-header {src, dst, 0, 112, length} and the message.
  const pseudo = onesSum(pkt.subarray(12, 20)) + 112 + v.length;
  v.writeUInt16BE(fold(onesSum(v, 0, pseudo)), 6);
  return pkt;
}

/** The IPv4 id changes per advert; the header checksum with it (keepalived sends the id counting up). */
function restamp(pkt: Buffer, id: number): void {
  pkt[10] = 0;
  pkt[11] = 0;
  pkt.writeUInt16BE(id, 4);
  pkt.writeUInt16BE(fold(onesSum(pkt, 0, 0, 20)), 10);
}

const quiet: Logger = { log: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

async function main(): Promise<void> {
  const clock = new VirtualClock();
  const segment = new MemorySegment(() => clock.now());
  const os = new MemoryOs({ host: 'd2', segment, links: [{ name: 'eth0', ifindex: 2, addresses: ['10.1.0.3/24'] }] });
  const { config, diagnostics } = loadConfig('/bench.conf', { readFile: () => configText() });
  if (!config) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  const daemon = new Daemon({ config, os, logger: quiet, version: 'bench', plugins: [], clock });
  await daemon.start();
  const transport = os.opened[0]!;
  const packets = Array.from({ length: instances }, (_, i) => advert(i + 1));
  const meta: VrrpPacketMeta = { ifindex: 2, src: '10.1.0.2', dst: '224.0.0.18', hopLimit: 255 };
  let id = 1;
  const intervals = Math.round((seconds * 1000) / intervalMs);
  const feed = (n: number): void => {
    for (let k = 0; k < n; k++) {
      id = id === 0xffff ? 1 : id + 1;
      for (const p of packets) {
        restamp(p, id);
        transport.deliver(p, meta);
      }
      clock.advance(intervalMs);
    }
  };
  feed(Math.max(1, Math.round(2000 / intervalMs))); // warm up: the JIT settles, every instance has its master
  const perAdvert: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const before = process.cpuUsage();
    feed(intervals);
    const used = process.cpuUsage(before);
    perAdvert.push((used.user + used.system) / (intervals * instances));
    console.log(`round ${r + 1}: ${perAdvert[r]!.toFixed(2)} µs per advert`);
  }
  const states = Object.values(daemon.states());
  const backups = states.filter((s) => s === 'BACKUP').length;
  const sorted = [...perAdvert].sort((a, b) => a - b);
  console.log(
    `${instances} instances × ${intervalMs} ms, ${rounds} rounds of ${seconds} virtual s: median ${sorted[sorted.length >> 1]!.toFixed(2)} µs ` +
      `per advert; ${backups}/${states.length} still BACKUP; ` +
      `advert_rcvd VI_1 ${daemon.metrics.counters().VI_1?.advert_rcvd}`,
  );
  process.exit(0); // nothing to hand over (every instance is BACKUP); no need to wind the daemon down
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
