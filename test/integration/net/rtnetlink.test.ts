// rtnetlink against a real kernel inside a namespace: add/remove addresses (checked with `ip -j addr`), and the
// link-down / address-deleted notifications the daemon turns into FAULT and VIP re-adds.
import assert from 'node:assert/strict';
import type { Lab } from '../../../src/lab/netns.js';
import { runChild, skipUnlessRoot, vethLab } from './harness.js';

const NET = 72;

interface IpJsonAddr {
  ifname: string;
  addr_info: { family: string; local: string; prefixlen: number; label?: string }[];
}

async function addrsOf(lab: Lab, host: string): Promise<string[]> {
  const { stdout } = await lab.ip(host, '-j', 'addr', 'show', 'dev', 'eth0');
  return (JSON.parse(stdout) as IpJsonAddr[]).flatMap((i) => i.addr_info.map((a) => `${a.local}/${a.prefixlen}${a.label && a.label !== 'eth0' ? ` ${a.label}` : ''}`));
}

async function ifindexOf(lab: Lab, host: string): Promise<number> {
  const { stdout } = await lab.ip(host, '-j', 'link', 'show', 'dev', 'eth0');
  return (JSON.parse(stdout) as { ifindex: number }[])[0]!.ifindex;
}

describe('integration/net: rtnetlink in a namespace', function () {
  this.timeout(30_000);
  let lab: Lab | undefined;

  before(async function () {
    skipUnlessRoot(this);
    lab = await vethLab('r', NET);
  });
  after(async () => {
    await lab?.destroy();
  });

  it('adds and removes IPv4 and IPv6 VIPs idempotently', async () => {
    const ifindex = await ifindexOf(lab!, 'a');
    const v4 = { ifindex, address: '10.72.0.100', prefixLen: 24, label: 'eth0:vip' };
    const v6 = { ifindex, address: 'fd00:72::100', prefixLen: 64 };
    const add = (spec: object): Promise<unknown> =>
      runChild(lab!, 'a', { op: 'addAddress', spec: spec as never }).result().then((d) => d.result);
    const del = (spec: object): Promise<unknown> =>
      runChild(lab!, 'a', { op: 'removeAddress', spec: spec as never }).result().then((d) => d.result);
    assert.equal(await add(v4), 'added');
    assert.equal(await add(v4), 'exists');
    assert.equal(await add(v6), 'added');
    const after = await addrsOf(lab!, 'a');
    assert.ok(after.includes('10.72.0.100/24 eth0:vip'), after.join(', '));
    assert.ok(after.includes('fd00:72::100/64'), after.join(', '));
    assert.equal(await del(v4), 'removed');
    assert.equal(await del(v4), 'absent');
    assert.equal(await del(v6), 'removed');
    const final = await addrsOf(lab!, 'a');
    assert.ok(!final.some((a) => a.startsWith('10.72.0.100') || a.startsWith('fd00:72::100')), final.join(', '));
  });

  it('lists links and addresses; the primary IPv4 comes before secondaries', async () => {
    const links = (await runChild(lab!, 'a', { op: 'listLinks' }).result()).result as { name: string; up: boolean; running: boolean; mtu: number; mac: string }[];
    const eth0 = links.find((l) => l.name === 'eth0')!;
    assert.equal(eth0.up, true);
    assert.equal(eth0.running, true);
    assert.equal(eth0.mtu, 1500);
    assert.match(eth0.mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    await lab!.ip('a', 'addr', 'add', '10.72.0.50/24', 'dev', 'eth0');
    try {
      const addrs = (await runChild(lab!, 'a', { op: 'listAddresses', family: 4 }).result()).result as { address: string; secondary: boolean }[];
      const mine = addrs.filter((a) => a.address.startsWith('10.72.'));
      assert.deepEqual(mine, [
        { ...mine[0], address: '10.72.0.1', secondary: false },
        { ...mine[1], address: '10.72.0.50', secondary: true },
      ]);
    } finally {
      await lab!.ip('a', 'addr', 'del', '10.72.0.50/24', 'dev', 'eth0');
    }
  });

  it('reports link down when the peer end of the veth goes down (carrier loss)', async () => {
    const w = runChild(lab!, 'b', { op: 'watchLinks', timeoutMs: 8000, untilJson: JSON.stringify({ link: { name: 'eth0', running: false } }) });
    await w.waitFor((l) => l.event === 'ready');
    await lab!.ip('a', 'link', 'set', 'eth0', 'down');
    try {
      const ev = await w.waitFor((l) => l.event === 'netlink' && (l.link as { running: boolean }).running === false);
      const link = ev.link as { up: boolean; running: boolean; lowerUp: boolean; operState: string };
      assert.equal(ev.kind, 'new');
      assert.equal(link.up, true, 'B itself is still administratively up');
      assert.equal(link.lowerUp, false);
      assert.notEqual(link.operState, 'up', 'veth reports "down" on carrier loss (other drivers: lowerlayerdown)');
    } finally {
      await lab!.ip('a', 'link', 'set', 'eth0', 'up');
    }
  });

  it('reports an address deleted behind our back (RTM_DELADDR)', async () => {
    await lab!.ip('b', 'addr', 'add', '10.72.0.200/24', 'dev', 'eth0');
    const w = runChild(lab!, 'b', { op: 'watchAddresses', timeoutMs: 8000, untilJson: JSON.stringify({ kind: 'del', address: { address: '10.72.0.200' } }) });
    await w.waitFor((l) => l.event === 'ready');
    await lab!.ip('b', 'addr', 'del', '10.72.0.200/24', 'dev', 'eth0');
    const ev = await w.waitFor((l) => l.event === 'netlink' && l.kind === 'del');
    assert.deepEqual(
      { kind: ev.kind, address: (ev.address as { address: string }).address, prefixLen: (ev.address as { prefixLen: number }).prefixLen },
      { kind: 'del', address: '10.72.0.200', prefixLen: 24 },
    );
  });
});
