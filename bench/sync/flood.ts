// Load generator for bench/sync: inserts N distinct DNATed TCP entries into this namespace's conntrack table
// through ctnetlink as fast as the kernel takes them (each insert raises a NEW event, as a real new flow does),
// then prints {"inserted": n, "ms": t}. Run inside a lab namespace: node dist/bench/sync/flood.js N BASE_INDEX
// With a third argument `delete` it deletes those entries instead (the bench's warm-up cleans up after itself).
import { CtNetlink } from '../../src/conntrack/client.js';
import type { ConntrackEntry } from '../../src/conntrack/types.js';
import { RealClock } from '../../src/clock/realClock.js';

const n = Number(process.argv[2] ?? 1000);
const base = Number(process.argv[3] ?? 0);

function* entries(): Generator<ConntrackEntry> {
  for (let k = 0; k < n; k++) {
    const i = base + k;
    const client = `10.${100 + ((i >> 24) & 15)}.${(i >> 16) & 255}.${(i >> 8) & 255}`;
    const cport = 1024 + (i & 255) * 200 + ((i >> 28) & 7);
    const t = (src: string, dst: string, sp: number, dp: number) => ({ src, dst, proto: 6, srcPort: sp, dstPort: dp, icmpId: 0, icmpType: 0, icmpCode: 0 });
    const server = i % 2 ? '10.79.0.11' : '10.79.0.12';
    yield {
      family: 4,
      orig: t(client, '10.78.0.100', cport, 80),
      reply: t(server, client, 80, cport),
      status: 0x0e,
      timeoutS: 3600,
      mark: 0,
      zone: 0,
      tcp: { state: 3, wscaleOrig: 7, wscaleReply: 7 },
    };
  }
}

const ct = new CtNetlink({ clock: new RealClock() });
const t0 = performance.now();
const r = process.argv[4] === 'delete' ? await ct.delete(entries()) : await ct.commit(entries());
process.stdout.write(`${JSON.stringify({ inserted: r.created + r.updated, failed: r.failed, errors: r.errors, ms: performance.now() - t0 })}\n`);
ct.close();
