import assert from 'node:assert/strict';
import { ReceiverState } from '../../../src/sync/receiver.js';

const tunables = { nackRetryMs: 100, maxNackRetries: 8, reorderBufferMsgs: 64, joinWaitMs: 200, resyncRetryMs: 1000, ackIntervalMs: 500 };

describe('sync receiver: msgSeq replay window', () => {
  it('accepts each msgSeq once, out of order within the window, and refuses what is older than the window', () => {
    const r = new ReceiverState(1, 1, 0, tunables);
    const W = 64;
    for (const s of [1, 2, 3, 5]) assert.equal(r.acceptMsgSeq(s, W), true, `first ${s}`);
    assert.equal(r.acceptMsgSeq(3, W), false, 'duplicate');
    assert.equal(r.acceptMsgSeq(4, W), true, 'late but inside the window');
    assert.equal(r.acceptMsgSeq(4, W), false, 'late duplicate');
    assert.equal(r.acceptMsgSeq(100, W), true, 'jump ahead');
    assert.equal(r.acceptMsgSeq(36, W), false, 'now older than the window (100 − 64)');
    assert.equal(r.acceptMsgSeq(37, W), true, 'the oldest position still inside');
    assert.equal(r.acceptMsgSeq(99, W), true, 'never seen: the jump freed its position');
    assert.equal(r.acceptMsgSeq(99, W), false);
    // Wrapping the ring many times: positions reused by newer sequences never carry an old "seen" bit.
    for (let s = 101; s <= 1000; s += 3) assert.equal(r.acceptMsgSeq(s, W), true, `stride ${s}`);
    assert.equal(r.acceptMsgSeq(999, W), true, 'skipped by the stride: unseen');
    assert.equal(r.acceptMsgSeq(998, W), false, 'seen in the stride');
    assert.equal(r.acceptMsgSeq(1000 + W * 3, W), true, 'a jump of more than the window');
    assert.equal(r.acceptMsgSeq(1000 + W * 3 - 1, W), true, 'everything before it is unseen');
  });
});
