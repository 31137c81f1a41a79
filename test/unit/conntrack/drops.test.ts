// Every ctnetlink drop reason (src/conntrack/drops.ts) is produced by some kernel message and counted: by the
// client, per reason, for events and dump replies alike, and in /metrics as vipd_ctnetlink_drops_total.
// Messages are laid out by hand from linux/netlink.h and linux/netfilter/nfnetlink_conntrack.h.
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import { CtNetlink } from '../../../src/conntrack/client.js';
import { decodeConntrack } from '../../../src/conntrack/codec.js';
import { CONNTRACK_DROP_REASONS, type ConntrackDropReason } from '../../../src/conntrack/drops.js';
import { createVipdMetrics } from '../../../src/metrics/registry.js';
import { parseNlmsgs } from '../../../src/net/netlinkMsg.js';
import type { SyncView } from '../../../src/sync/status.js';
import { registerSyncMetrics } from '../../../src/sync/metrics.js';
import { FakeNet } from './fakeNet.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const AF_INET_NFGEN = '02000000'; // nfgenmsg: family AF_INET, version 0, res_id 0
const CT_NEW = 0x0100; // NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW
const NLM_F_MULTI = 0x2;
const NLM_F_CREATE_EXCL = 0x600;

/** nlmsghdr (host order: little-endian here) + payload, padded to 4 bytes. */
function nlmsg(type: number, payloadHex: string, opts: { flags?: number; seq?: number } = {}): Buffer {
  const payload = hex(payloadHex);
  const len = 16 + payload.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b.writeUInt32LE(len, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(opts.flags ?? NLM_F_CREATE_EXCL, 6);
  b.writeUInt32LE(opts.seq ?? 0, 8);
  payload.copy(b, 16);
  return b;
}

/** One message per reason; the compiler checks that no reason lacks one. */
const MESSAGES: Record<ConntrackDropReason, { type: number; payload: string }> = {
  'not-ctnetlink': { type: 0x0200, payload: AF_INET_NFGEN }, // subsystem 2: CTNETLINK_EXP
  'not-conntrack': { type: 0x0101, payload: AF_INET_NFGEN }, // IPCTNL_MSG_CT_GET
  truncated: { type: CT_NEW, payload: '0200' }, // 2 of the 4 nfgenmsg bytes
  'unsupported-family': { type: CT_NEW, payload: '07000000' }, // AF_UNIX
  'bad-attributes': { type: CT_NEW, payload: `${AF_INET_NFGEN} 0200 0100` }, // nla_len 2 < NLA_HDRLEN
  'no-orig-tuple': { type: CT_NEW, payload: `${AF_INET_NFGEN} 0800 0300 0000008e` }, // CTA_STATUS only
  'bad-tuple': { type: CT_NEW, payload: `${AF_INET_NFGEN} 0400 0180` }, // empty CTA_TUPLE_ORIG
};

const decodeDrop = (type: number, payload: string): string | null => {
  const d = decodeConntrack({ type, flags: NLM_F_CREATE_EXCL, payload: hex(payload) });
  return 'drop' in d ? d.drop : null;
};

describe('ctnetlink drop reasons', () => {
  it('each reason comes from the message built for it', () => {
    for (const reason of CONNTRACK_DROP_REASONS) {
      const m = MESSAGES[reason];
      assert.equal(decodeDrop(m.type, m.payload), reason);
    }
  });

  it('the client counts every event drop by reason, and the series reach /metrics', async () => {
    const fake = new FakeNet();
    const ct = new CtNetlink({ clock: new VirtualClock(), native: fake.api() });
    ct.subscribe({ onRecord: () => assert.fail('no event decodes'), onOverrun: () => undefined });
    const evFd = 11;
    assert.deepEqual(Object.values(ct.stats.drops), CONNTRACK_DROP_REASONS.map(() => 0), 'every series exists at 0');
    CONNTRACK_DROP_REASONS.forEach((reason, i) => {
      // reason i arrives i + 1 times, so a count landing on the wrong reason shows.
      for (let k = 0; k <= i; k++) fake.push(evFd, nlmsg(MESSAGES[reason].type, MESSAGES[reason].payload));
    });
    fake.push(evFd, null);
    fake.activePolls(evFd)[0]!.cb(0);
    CONNTRACK_DROP_REASONS.forEach((reason, i) => assert.equal(ct.stats.drops[reason], i + 1, reason));
    assert.equal(ct.stats.eventsDropped, (CONNTRACK_DROP_REASONS.length * (CONNTRACK_DROP_REASONS.length + 1)) / 2);

    const view: SyncView = {
      entries: 0, messagesSent: 0, messagesReceived: 0, messagesLost: 0, messagesResent: 0,
      lastFullResyncAtMs: null, lastCommitDurationMs: null, kernelDrops: ct.stats.drops,
    };
    // The sync plugin registers the family on the daemon's registry (src/sync/metrics.ts).
    const m = createVipdMetrics({ nowMs: () => 1_700_000_000_000, buildInfo: { version: '0', node: 'n' }, instances: () => [], processMetrics: false });
    registerSyncMetrics(m.registry, () => view);
    const text = await m.metricsText();
    CONNTRACK_DROP_REASONS.forEach((reason, i) => assert.match(text, new RegExp(`^vipd_ctnetlink_drops_total\\{reason="${reason}"\\} ${i + 1}$`, 'm')));
    ct.close();
  });

  it('a dump reply that does not decode is counted, not returned', async () => {
    const fake = new FakeNet();
    const reqFd = 10;
    const ct = new CtNetlink({ clock: new VirtualClock(), native: fake.api() });
    fake.onSend = (fd, buf) => {
      if (fd !== reqFd) return;
      const seq = parseNlmsgs(buf)[0]!.seq;
      const bad = MESSAGES['bad-tuple'];
      fake.push(reqFd, Buffer.concat([nlmsg(bad.type, bad.payload, { seq, flags: NLM_F_MULTI }), nlmsg(3, '00000000', { seq, flags: NLM_F_MULTI })]), null);
      queueMicrotask(() => fake.activePolls(reqFd)[0]?.cb(0));
    };
    assert.deepEqual(await ct.dump(), []);
    assert.equal(ct.stats.drops['bad-tuple'], 1);
    assert.equal(ct.stats.eventsDropped, 0, 'dump replies are not events');
    ct.close();
  });
});
