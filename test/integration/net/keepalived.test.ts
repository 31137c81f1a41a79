// The transport against real keepalived 2.2.7 (installed at /usr/sbin/keepalived): a keepalived BACKUP stays
// BACKUP while it hears our higher-priority adverts (so it accepted what our send socket put on the wire) and
// becomes MASTER once they stop; then our receive socket sees its adverts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Lab } from '../../../src/lab/netns.js';
import { inetChecksum, runChild, skipUnlessRoot, vethLab } from './harness.js';

const KEEPALIVED = '/usr/sbin/keepalived';
const NET = 75;

const CONF = `
global_defs {
  router_id vipd_net_test
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.75.0.100/24
  }
}
`;

/** Hand-assembled VRRPv2 advert from 10.75.0.1: VRID 51, priority 200, 1 VIP 10.75.0.100, no auth, 1 s. */
function advert(): Buffer {
  const vrrp = Buffer.from('21' + '33' + 'c8' + '01' + '00' + '01' + '0000' + '0a4b0064' + '0000000000000000', 'hex');
  vrrp.writeUInt16BE(inetChecksum(vrrp), 6);
  const ip = Buffer.from('45' + 'c0' + '0028' + '0001' + '0000' + 'ff' + '70' + '0000' + '0a4b0001' + 'e0000012', 'hex');
  return Buffer.concat([ip, vrrp]);
}

describe('integration/net: raw VRRP sockets against real keepalived', function () {
  this.timeout(40_000);
  let lab: Lab | undefined;
  let dir = '';
  let keepalived: ChildProcess | undefined;
  let log = '';

  before(async function () {
    skipUnlessRoot(this);
    if (!existsSync(KEEPALIVED)) {
      console.log(`skipped: ${KEEPALIVED} is not installed`);
      this.skip();
    }
    lab = await vethLab('k', NET);
    dir = mkdtempSync(join(tmpdir(), 'vipd-net-ka-'));
    writeFileSync(join(dir, 'keepalived.conf'), CONF);
  });
  after(async () => {
    keepalived?.kill('SIGKILL');
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keepalived stays BACKUP while our adverts arrive, and takes over when they stop', async () => {
    const tx = runChild(lab!, 'a', {
      op: 'sendVrrp',
      family: 4,
      ifname: 'eth0',
      packets: [{ hex: advert().toString('hex'), dst: '224.0.0.18' }],
      repeat: 7,
      intervalMs: 1000,
    });
    keepalived = lab!.spawn('b', [
      KEEPALIVED, '-n', '-l', '-D', '-P',
      '-f', join(dir, 'keepalived.conf'),
      '-p', join(dir, 'keepalived.pid'),
      '-r', join(dir, 'vrrp.pid'),
    ]);
    keepalived.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    keepalived.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await tx.result(); // ~6 s of adverts; keepalived's Master_Down_Interval is ~3.6 s
    assert.doesNotMatch(log, /Entering MASTER STATE/, `keepalived ignored our adverts:\n${log}`);
    const deadline = Date.now() + 10_000;
    while (!/Entering MASTER STATE/.test(log) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.match(log, /\(VI_1\) Entering MASTER STATE/, `keepalived never took over:\n${log}`);
  });

  it('our receive socket sees keepalived’s adverts as keepalived sends them', async () => {
    const rx = runChild(lab!, 'a', { op: 'recvVrrp', family: 4, ifname: 'eth0', count: 1, timeoutMs: 5000 });
    const pkt = await rx.waitFor((l) => l.event === 'packet', 8000);
    const got = Buffer.from(pkt.hex as string, 'hex');
    assert.deepEqual(pkt.meta, { ifindex: (pkt.meta as { ifindex: number }).ifindex, src: '10.75.0.2', dst: '224.0.0.18', hopLimit: 255 });
    assert.equal(got[1], 0xc0, 'TOS 0xc0');
    assert.equal(got.subarray(20, 24).toString('hex'), '21336401', 'v2 advert, VRID 51, priority 100, 1 address');
    assert.equal(got.subarray(28, 32).toString('hex'), '0a4b0064', 'VIP 10.75.0.100');
  });
});
