// A director for the nftables namespace test: run inside the director's namespace (`ip netns exec`), it holds one
// NftPlane and answers JSON lines on stdin ({id, cmd: apply|read|connections|stats|close, ops?}) with JSON lines on stdout
// ({id, ok, value|error}); bigints are sent as strings. The plane has to live in the namespace it programs, and
// the test process stays outside every namespace.
import { createInterface } from 'node:readline';
import { RealClock } from '../../../src/clock/realClock.js';
import type { LvsOp } from '../../../src/lvs/model.js';
import { NftPlane } from '../../../src/lvs/nft/plane.js';

const plane = new NftPlane({ clock: new RealClock(), table: process.argv[2] ?? 'vipd' });
const send = (v: unknown): void => {
  process.stdout.write(`${JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Map ? Object.fromEntries(x) : x))}\n`);
};

createInterface({ input: process.stdin }).on('line', (line) => {
  const req = JSON.parse(line) as { id: number; cmd: string; ops?: LvsOp[] };
  const run = async (): Promise<unknown> => {
    switch (req.cmd) {
      case 'apply': {
        const r = await plane.apply(req.ops ?? []);
        return r.failed.map((f) => ({ op: f.op, code: f.error.code, message: f.error.message }));
      }
      case 'read':
        return plane.read();
      case 'connections':
        return plane.connections();
      case 'stats':
        return { stats: plane.activity, drops: plane.drops };
      case 'close':
        await plane.close();
        return null;
      default:
        throw new Error(`unknown command ${req.cmd}`);
    }
  };
  run().then(
    (value) => send({ id: req.id, ok: true, value }),
    (err: unknown) => send({ id: req.id, ok: false, error: String(err) }),
  );
});
