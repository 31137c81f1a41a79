// InstanceRunner.enqueue: a batch of nothing but adverts and log lines (a master's periodic advert) runs at once,
// synchronously, even while an earlier batch still waits for the OS (a netlink ACK that has not come), so a slow
// ACK never silences a live master (split brain); any other batch waits its turn on the serial queue.
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/clock/virtualClock.js';
import { InstanceRunner, type AdvertRoute } from '../../../src/daemon/instanceRunner.js';
import { UnitDriver, soloUnit } from '../../../src/daemon/unitDriver.js';
import { createLogger } from '../../../src/log/logger.js';
import { VrrpInstance } from '../../../src/vrrp/instance.js';
import type { ValidationView } from '../../../src/vrrp/validate.js';
import type { Vip, VrrpEffect } from '../../../src/vrrp/types.js';
import { VIP, params } from '../vrrp/params.js';

const ROUTE: AdvertRoute = { family: 4, sourceAddress: '10.1.0.1', destinations: ['224.0.0.18'], unicast: false, unicastTtl: 255, v3ChecksumAsV2: false };
const VIEW: ValidationView = {
  vrid: 51, version: 3, family: 4, authType: 0, authData: new Uint8Array(0), advertIntMs: 100, vips: ['10.1.0.100'], unicast: false, v3ChecksumAsV2: false,
};

/** Lets every settled promise run its continuations (the runner's queue is a promise chain). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

function setup() {
  const clock = new VirtualClock(1_000_000);
  const lines: string[] = [];
  const logger = createLogger({ format: 'text', write: (l) => lines.push(l), wallNow: () => 0 });
  const instance = new VrrpInstance(params({ version: 3, advertIntMs: 100 }));
  const sent: { priority: number; dst: string }[] = [];
  const announced: number[] = [];
  const pendingAdds: (() => void)[] = [];
  const runner = new InstanceRunner({
    instance, ifname: 'eth0', route: ROUTE, validation: VIEW, logger, clock,
    driver: new UnitDriver(soloUnit(instance), clock, logger),
    io: {
      // IPv4 datagram: 20-byte header, then the VRRP header, whose third byte is the priority (RFC 5798 §5.1).
      sendPacket: (packet, dst) => sent.push({ priority: packet[22]!, dst }),
      // The netlink ACK does not come until the test says so.
      addVip: () => new Promise<void>((resolve) => pendingAdds.push(resolve)),
      removeVip: async () => undefined,
      announce: (_vips: readonly Vip[], count: number) => (announced.push(count), count),
    },
  });
  return { runner, sent, announced, pendingAdds, lines };
}

const log = (message: string): VrrpEffect => ({ type: 'log', level: 'warn', message });

describe('daemon/instanceRunner enqueue', () => {
  it('an advert-only batch is sent (and its log line logged) during enqueue, while an earlier addVips still waits on the OS', async () => {
    const { runner, sent, announced, pendingAdds, lines } = setup();
    runner.enqueue([{ type: 'addVips', vips: [VIP] }, { type: 'sendGarp', vips: [VIP], count: 3 }], 1_000_000);
    await settle();
    assert.equal(pendingAdds.length, 1, 'the addVips is waiting for its ACK');
    assert.deepEqual(announced, [], 'and its GARP behind it');

    runner.enqueue([{ type: 'sendAdvert', priority: 100 }, log('periodic advert')], 1_000_100);
    // No await: on the wire before enqueue returned.
    assert.deepEqual(sent, [{ priority: 100, dst: '224.0.0.18' }]);
    assert.ok(lines.some((l) => l.includes('WARN: periodic advert')), lines.join('\n'));

    runner.enqueue([{ type: 'sendAdvert', priority: 100 }], 1_000_200);
    assert.equal(sent.length, 2, 'the next interval too');

    pendingAdds[0]!();
    await runner.idle();
    assert.deepEqual(announced, [3], 'the first batch finished once the ACK came');
  });

  it('a batch with any other effect waits its turn behind the pending addVips, adverts in it included', async () => {
    const { runner, sent, announced, pendingAdds, lines } = setup();
    runner.enqueue([{ type: 'addVips', vips: [VIP] }], 1_000_000);
    await settle();
    runner.enqueue([{ type: 'sendAdvert', priority: 100 }, log('mixed batch'), { type: 'sendGarp', vips: [VIP], count: 1 }], 1_000_100);
    await settle();
    assert.equal(sent.length, 0, 'the advert of a mixed batch is not sent ahead of its batch');
    assert.deepEqual(announced, []);
    assert.ok(!lines.some((l) => l.includes('mixed batch')));

    pendingAdds[0]!();
    await runner.idle();
    assert.deepEqual(sent.map((s) => s.priority), [100]);
    assert.deepEqual(announced, [1]);
    assert.ok(lines.some((l) => l.includes('mixed batch')));
  });

  it('an advert-only batch does not go through the async execute() (issue 12: a Promise per advert, per instance)', () => {
    // The wire behaviour above would hold through execute() too (an async function runs synchronously up to its
    // first await); what the synchronous path saves is the Promise and its closures per periodic advert. Watched
    // through the private method, the one place that allocation would come back.
    const { runner, sent } = setup();
    let executed = 0;
    const r = runner as unknown as { execute: (...a: unknown[]) => Promise<void> };
    const real = r.execute.bind(runner);
    r.execute = (...a) => (executed++, real(...a));
    runner.enqueue([{ type: 'sendAdvert', priority: 100 }, log('periodic advert')], 1_000_000);
    assert.equal(sent.length, 1);
    assert.equal(executed, 0);
    runner.enqueue([{ type: 'sendGarp', vips: [VIP], count: 1 }], 1_000_000);
    return runner.idle().then(() => assert.equal(executed, 1, 'any other batch does'));
  });
});
