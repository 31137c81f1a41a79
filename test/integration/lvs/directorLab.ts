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

/**
 * The one-arm LVS-DR lab: client c1, directors dir1..dirN and real servers rs1..rs3 on one switch
 * (10.NET.0.0/24, and fdNET::/64 with the IPv6 VIP fdNET::100 placed alike); the VIP on dir1's eth0 only, and on every real server's lo with arp_ignore=1/arp_announce=2
 * (lvs.md §1.3: they accept the VIP but never answer ARP for it), so they reply to the client directly.
 */
export function drLab(net: number, directors = 1): DirectorLab & { dirAddr(i: number): string } {
  const vip = `10.${net}.0.100`;
  const rsAddr = (i: number): string => `10.${net}.0.${10 + i}`;
  const dirAddr = (i: number): string => `10.${net}.0.${i}`;
  return {
    vip,
    rsAddr,
    dirAddr,
    async build(lab) {
      await lab.addSwitch('sw0');
      await lab.addHost('c1');
      await lab.plug('c1', 'eth0', 'sw0', 'c1');
      await lab.addAddress('c1', 'eth0', `10.${net}.0.200/24`);
      for (let d = 1; d <= directors; d++) {
        await lab.addHost(`dir${d}`);
        await lab.plug(`dir${d}`, 'eth0', 'sw0', `dir${d}`);
        await lab.addAddress(`dir${d}`, 'eth0', `${dirAddr(d)}/24`);
      }
      await lab.addAddress('dir1', 'eth0', `${vip}/32`);
      for (const i of [1, 2, 3]) {
        await lab.addHost(`rs${i}`);
        await lab.plug(`rs${i}`, 'eth0', 'sw0', `rs${i}`);
        await lab.addAddress(`rs${i}`, 'eth0', `${rsAddr(i)}/24`);
        await lab.exec(`rs${i}`, ['sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']);
        await lab.addAddress(`rs${i}`, 'lo', `${vip}/32`);
        // IPv6: Linux answers neighbour solicitations only for the receiving link's own addresses, so the VIP
        // on lo needs no sysctl.
        await lab.addAddress(`rs${i}`, 'eth0', `fd${net}::${10 + i}/64`);
        await lab.addAddress(`rs${i}`, 'lo', `fd${net}::100/128`);
      }
      await lab.addAddress('c1', 'eth0', `fd${net}::200/64`);
      for (let d = 1; d <= directors; d++) await lab.addAddress(`dir${d}`, 'eth0', `fd${net}::${d}/64`);
      await lab.addAddress('dir1', 'eth0', `fd${net}::100/128`);
    },
  };
}
