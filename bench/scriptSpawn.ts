// bench/scriptSpawn: how long a script takes from spawn to exit with libuv's fork-based spawn and with the addon's
// vfork spawner (src/script/vforkSpawner.ts), in the same process, optionally with a large heap (fork copies the
// page tables of the whole process; vfork does not). /bin/true, median of 41 runs, two rounds each.
//
//   node dist/bench/scriptSpawn.js [--heap-mb 0]
import { nodeSpawner, type ScriptSpawner } from '../src/script/exec.js';
import { VforkSpawner } from '../src/script/vforkSpawner.js';
import { nativeNet } from '../src/net/native.js';

const i = process.argv.indexOf('--heap-mb');
const heapMb = i >= 0 ? Number(process.argv[i + 1]) : 0;
const ballast: Buffer[] = [];
for (let k = 0; k < heapMb; k++) ballast.push(Buffer.alloc(1 << 20, 1));

async function medianMs(spawner: ScriptSpawner): Promise<number> {
  const xs: number[] = [];
  for (let k = 0; k < 41; k++) {
    const t = process.hrtime.bigint();
    await spawner.spawn(['/bin/true'], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } }).exited;
    xs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  xs.sort((a, b) => a - b);
  return xs[20]!;
}

const vfork = new VforkSpawner(nativeNet());
for (let round = 0; round < 2; round++) {
  const a = await medianMs(nodeSpawner);
  const b = await medianMs(vfork);
  console.log(`${heapMb} MB ballast: spawn→exit median ms: libuv fork ${a.toFixed(2)}, vfork ${b.toFixed(2)} (${ballast.length} MB held)`);
}
