// Which named network namespace this process runs in, the way `ip netns identify` finds it: the namespace
// file /proc/self/ns/net is the same inode as the bind mount /run/netns/NAME (iproute2 ip/ipnetns.c
// netns_identify_pid). An agent started with `ip netns exec NAME vipd run` and a `vipd status` run the same
// way agree on NAME without flags, so their control socket is /run/vipd/NAME/… (socketPath.ts).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const NETNS_RUN_DIR = '/run/netns';

/** A file's identity: device and inode. */
export interface FileId {
  readonly dev: bigint;
  readonly ino: bigint;
}

/** The two reads identification needs (a twin in tests). */
export interface NetnsProbe {
  /** The namespace of this process, null when it cannot be read. */
  self(): FileId | null;
  /** Every named namespace (NETNS_RUN_DIR entries), with its identity. */
  named(): { name: string; id: FileId }[];
}

function fileId(path: string): FileId | null {
  try {
    const s = statSync(path, { bigint: true });
    return { dev: s.dev, ino: s.ino };
  } catch {
    return null;
  }
}

export function nodeNetnsProbe(runDir = NETNS_RUN_DIR): NetnsProbe {
  return {
    self: () => fileId('/proc/self/ns/net'),
    named: () => {
      let names: string[];
      try {
        names = readdirSync(runDir).sort();
      } catch {
        return [];
      }
      return names.flatMap((name) => {
        const id = fileId(join(runDir, name));
        return id ? [{ name, id }] : [];
      });
    },
  };
}

/** The name of the namespace this process runs in, or undefined outside any named one (the host's). */
export function currentNetnsName(probe: NetnsProbe = nodeNetnsProbe()): string | undefined {
  const self = probe.self();
  if (!self) return undefined;
  // An unmounted name under /run/netns is a plain file on the /run file system, never the nsfs inode.
  return probe.named().find((n) => n.id.dev === self.dev && n.id.ino === self.ino)?.name;
}
