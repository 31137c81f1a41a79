import assert from 'node:assert/strict';
import { effectivePriority, fileEffect, interfaceEffect, parseTrackFileValue, scriptEffect } from '../../../src/track/priority.js';

describe('track/priority (keepalived vrrp_track.c weights)', () => {
  it('script weight 0: FAULT while down or still in init, never a delta', () => {
    assert.deepEqual(scriptEffect(0, false, 'init'), { fault: true, delta: 0 });
    assert.deepEqual(scriptEffect(0, false, 'down'), { fault: true, delta: 0 });
    assert.deepEqual(scriptEffect(0, false, 'up'), { fault: false, delta: 0 });
    assert.deepEqual(scriptEffect(0, true, 'up'), { fault: true, delta: 0 }, 'weight 0 reverse: FAULT while up');
    assert.deepEqual(scriptEffect(0, true, 'down'), { fault: false, delta: 0 });
    // Brought in by a reload (keepalived SCRIPT_INIT_STATE_INIT_RELOAD): init holds nothing, results count.
    assert.deepEqual(scriptEffect(0, false, 'init', false), { fault: false, delta: 0 });
    assert.deepEqual(scriptEffect(0, true, 'init', false), { fault: false, delta: 0 });
    assert.deepEqual(scriptEffect(0, false, 'down', false), { fault: true, delta: 0 });
  });

  it('script positive weight is added while up, negative weight while down, nothing in init', () => {
    assert.equal(scriptEffect(10, false, 'up').delta, 10);
    assert.equal(scriptEffect(10, false, 'down').delta, 0);
    assert.equal(scriptEffect(-20, false, 'down').delta, -20);
    assert.equal(scriptEffect(-20, false, 'up').delta, 0);
    assert.equal(scriptEffect(-20, false, 'init').delta, 0);
    assert.equal(scriptEffect(10, true, 'up').delta, -10, 'reverse flips the sign');
    assert.equal(scriptEffect(-20, true, 'down').delta, 20);
  });

  it('interface: weight 0 ⇒ FAULT while down; weights as for scripts', () => {
    assert.deepEqual(interfaceEffect(0, false, false), { fault: true, delta: 0 });
    assert.deepEqual(interfaceEffect(0, false, true), { fault: false, delta: 0 });
    assert.deepEqual(interfaceEffect(0, true, true), { fault: true, delta: 0 });
    assert.equal(interfaceEffect(-30, false, false).delta, -30);
    assert.equal(interfaceEffect(5, false, true).delta, 5);
  });

  it('track_file: value × weight, clamped to 253, at or below -254 a FAULT; weight 0 ⇒ non-zero is a FAULT', () => {
    assert.deepEqual(fileEffect(1, false, 0), { fault: false, delta: 0 });
    assert.deepEqual(fileEffect(2, false, -5), { fault: false, delta: -10 });
    assert.deepEqual(fileEffect(10, false, 100), { fault: false, delta: 253 });
    assert.deepEqual(fileEffect(1, false, -254), { fault: true, delta: 0 });
    assert.deepEqual(fileEffect(1, false, -253), { fault: false, delta: -253 });
    assert.deepEqual(fileEffect(-3, true, 2), { fault: false, delta: 6 });
    assert.deepEqual(fileEffect(0, false, 7), { fault: true, delta: 0 });
    assert.deepEqual(fileEffect(0, false, 0), { fault: false, delta: 0 });
    assert.deepEqual(fileEffect(0, true, 0), { fault: true, delta: 0 });
  });

  it('effective priority is base ± deltas clamped to 1..254; an owner stays 255', () => {
    assert.equal(effectivePriority(100, [-30, 10]), 80);
    assert.equal(effectivePriority(100, [-200]), 1);
    assert.equal(effectivePriority(200, [100]), 254);
    assert.equal(effectivePriority(255, [-100]), 255);
    assert.equal(effectivePriority(254, []), 254);
  });

  it('reads track files like strtol(buf, NULL, 0)', () => {
    assert.equal(parseTrackFileValue('42\n'), 42);
    assert.equal(parseTrackFileValue('  -7 apples'), -7);
    assert.equal(parseTrackFileValue('0x10'), 16);
    assert.equal(parseTrackFileValue('010'), 8);
    assert.equal(parseTrackFileValue(''), 0);
    assert.equal(parseTrackFileValue('abc'), 0);
    assert.equal(parseTrackFileValue('99999999999'), null, 'out of int32: ignored');
  });
});
