// The one-director nftables lab both nftables tests build: client c1 on sw0 (10.NET.0.10), director `dir` with
// the VIP on sw0 and 10.NET.1.1 on sw1, real servers rs1..rs3 (10.NET.1.11-13) routing back through it.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Lab } from '../../../src/lab/netns.js';

export interface DirectorLab {
  readonly vip: string;
  rsAddr(i: number): string;
  build(lab: Lab): Promise<void>;
}

export function directorLab(net: number): DirectorLab {
  const vip = `10.${net}.0.100`;
  const rsAddr = (i: number): string => `10.${net}.1.${10 + i}`;
  return {
    vip,
    rsAddr,
    async build(lab) {
      await lab.addSwitch('sw0');
      await lab.addSwitch('sw1');
      for (const h of ['c1', 'dir', 'rs1', 'rs2', 'rs3']) await lab.addHost(h);
      await lab.plug('c1', 'eth0', 'sw0', 'c1');
      await lab.plug('dir', 'eth0', 'sw0', 'dir');
      await lab.plug('dir', 'eth1', 'sw1', 'dir');
      await lab.addAddress('c1', 'eth0', `10.${net}.0.10/24`);
      await lab.addAddress('dir', 'eth0', `10.${net}.0.1/24`);
      await lab.addAddress('dir', 'eth0', `${vip}/32`);
      await lab.addAddress('dir', 'eth1', `10.${net}.1.1/24`);
      await lab.exec('dir', ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      for (const i of [1, 2, 3]) {
        await lab.plug(`rs${i}`, 'eth0', 'sw1', `rs${i}`);
        await lab.addAddress(`rs${i}`, 'eth0', `${rsAddr(i)}/24`);
        await lab.ip(`rs${i}`, 'route', 'add', 'default', 'via', `10.${net}.1.1`);
      }
    },
  };
}

/** Resolves when the child prints exactly `text` on a line; rejects if it exits first. */
export function waitLine(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (l) => l === text && (rl.close(), resolve()));
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
}

/** How many times each name occurs. */
export const tally = (names: string[]): Record<string, number> => names.reduce<Record<string, number>>((acc, n) => ((acc[n] = (acc[n] ?? 0) + 1), acc), {});
