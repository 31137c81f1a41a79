// Test-only runner: the addon's sockets belong to the namespace of the process that opens them, and Node cannot
// setns() per call, so integration tests run this script as `ip netns exec NS node child.js '<json command>'`.
// It prints one JSON object per line: {"event":"ready"} once its sockets are open, then packets/events/results,
// and {"event":"error","code",...} on failure. It exits when the command is done or its timeout passes.
import { openVrrpIpv4, openVrrpIpv6 } from '../../../src/net/vrrpSocket.js';
import { openRtnetlink, type AddressSpec } from '../../../src/net/rtnetlink.js';
import { buildGratuitousArp, buildUnsolicitedNa } from '../../../src/net/arp.js';
import { openPacketSender } from '../../../src/net/packetSender.js';
import { parseMac } from '../../../src/ip/address.js';
import { RealClock } from '../../../src/clock/realClock.js';

/** This child process is its own composition root. */
const clock = new RealClock();

export type ChildCommand =
  | {
      op: 'recvVrrp';
      family: 4 | 6;
      ifname: string;
      unicast?: boolean;
      unicastSrc?: string;
      group?: string;
      count: number;
      timeoutMs: number;
    }
  | {
      op: 'sendVrrp';
      family: 4 | 6;
      ifname: string;
      packets: { hex: string; dst: string }[];
      /** Send the whole list this many times (default 1), intervalMs apart. */
      repeat?: number;
      intervalMs?: number;
      unicast?: boolean;
      unicastSrc?: string;
      src?: string;
    }
  | { op: 'addAddress' | 'removeAddress'; spec: AddressSpec }
  | { op: 'listLinks' }
  | { op: 'listAddresses'; family?: 4 | 6 }
  | { op: 'watchLinks' | 'watchAddresses'; timeoutMs: number; untilJson: string }
  | { op: 'garp'; ifname: string; vip: string; count: number }
  | { op: 'na'; ifname: string; vip6: string; router: boolean; count: number };

function emit(obj: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function macOf(ifname: string): Promise<Buffer> {
  const rt = openRtnetlink({ clock });
  try {
    const link = (await rt.listLinks()).find((l) => l.name === ifname);
    if (!link?.mac) throw new Error(`no MAC for ${ifname}`);
    return parseMac(link.mac)!;
  } finally {
    rt.close();
  }
}

/** Every key of `want` equals the same key (deeply, via JSON) of `got`. */
function matches(got: Record<string, unknown>, want: Record<string, unknown>): boolean {
  return Object.entries(want).every(([k, v]) =>
    typeof v === 'object' && v !== null
      ? typeof got[k] === 'object' && got[k] !== null && matches(got[k] as Record<string, unknown>, v as Record<string, unknown>)
      : got[k] === v,
  );
}

async function run(cmd: ChildCommand): Promise<void> {
  switch (cmd.op) {
    case 'recvVrrp': {
      const opts = { clock, ifname: cmd.ifname, unicast: cmd.unicast ?? false, unicastSrc: cmd.unicastSrc, group: cmd.group };
      const t = cmd.family === 4 ? openVrrpIpv4(opts) : openVrrpIpv6(opts);
      let n = 0;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, cmd.timeoutMs);
        t.onPacket((p, meta) => {
          // The meta is the socket's reused object, valid during this call only (src/net/types.ts): copy its fields.
          emit({ event: 'packet', hex: p.toString('hex'), meta: { ifindex: meta.ifindex, src: meta.src, dst: meta.dst, hopLimit: meta.hopLimit } });
          if (++n >= cmd.count) {
            clearTimeout(timer);
            resolve();
          }
        });
        emit({ event: 'ready' });
      });
      emit({ event: 'done', received: n, stats: t.stats() });
      t.close();
      return;
    }
    case 'sendVrrp': {
      const opts = { clock, ifname: cmd.ifname, unicast: cmd.unicast ?? false, unicastSrc: cmd.unicastSrc, src: cmd.src };
      const t = cmd.family === 4 ? openVrrpIpv4(opts) : openVrrpIpv6(opts);
      for (let i = 0; i < (cmd.repeat ?? 1); i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, cmd.intervalMs ?? 1000));
        for (const p of cmd.packets) t.send(Buffer.from(p.hex, 'hex'), p.dst);
      }
      emit({ event: 'done', stats: t.stats() });
      t.close();
      return;
    }
    case 'addAddress':
    case 'removeAddress': {
      const rt = openRtnetlink({ clock });
      try {
        const r = cmd.op === 'addAddress' ? await rt.addAddress(cmd.spec) : await rt.removeAddress(cmd.spec);
        emit({ event: 'done', result: r });
      } finally {
        rt.close();
      }
      return;
    }
    case 'listLinks':
    case 'listAddresses': {
      const rt = openRtnetlink({ clock });
      try {
        const r = cmd.op === 'listLinks' ? await rt.listLinks() : await rt.listAddresses(cmd.family);
        emit({ event: 'done', result: r });
      } finally {
        rt.close();
      }
      return;
    }
    case 'watchLinks':
    case 'watchAddresses': {
      const rt = openRtnetlink({ clock });
      const until = JSON.parse(cmd.untilJson) as Record<string, unknown>;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, cmd.timeoutMs);
        const onEvent = (ev: Record<string, unknown>): void => {
          emit({ event: 'netlink', ...ev });
          if (matches(ev, until)) {
            clearTimeout(timer);
            resolve();
          }
        };
        if (cmd.op === 'watchLinks') rt.watchLinks((ev) => onEvent({ ...ev }));
        else rt.watchAddresses((ev) => onEvent({ ...ev }));
        emit({ event: 'ready' });
      });
      emit({ event: 'done' });
      rt.close();
      return;
    }
    case 'garp':
    case 'na': {
      const mac = await macOf(cmd.ifname);
      const frame = cmd.op === 'garp' ? buildGratuitousArp(mac, cmd.vip) : buildUnsolicitedNa(mac, cmd.vip6, { router: cmd.router });
      const s = openPacketSender(cmd.ifname);
      for (let i = 0; i < cmd.count; i++) s.send(frame);
      emit({ event: 'done', mac: mac.toString('hex'), frame: frame.toString('hex'), stats: s.stats() });
      s.close();
      return;
    }
  }
}

run(JSON.parse(process.argv[2] ?? '{}') as ChildCommand).catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  emit({ event: 'error', code: e.code ?? 'UNKNOWN', message: e.message ?? String(err) });
  process.exitCode = 1;
});
