import assert from 'node:assert/strict';
import { masterDownMs, skewMs } from '../../../src/vrrp/timers.js';

describe('vrrp/timers', () => {
  it('v2 skew is (256-P)/256 s regardless of the interval (RFC 3768 §6.1)', () => {
    assert.equal(skewMs(2, 100, 1000), 609.375);
    assert.equal(skewMs(2, 100, 5000), 609.375);
    assert.equal(skewMs(2, 255, 1000), 1000 / 256);
  });
  it('v3 skew scales with Master_Adver_Interval (RFC 5798 §6.1)', () => {
    assert.equal(skewMs(3, 100, 100), 60.9375);
    assert.equal(skewMs(3, 254, 10), 20 / 256);
  });
  it('master down matches keepalived.md §2.2 examples', () => {
    assert.equal(masterDownMs(2, 100, 1000), 3609.375);
    assert.equal(Math.round(masterDownMs(2, 150, 1000)), 3414);
    assert.equal(Math.round(masterDownMs(2, 254, 1000)), 3008);
    assert.equal(masterDownMs(3, 100, 100), 360.9375);
  });
  it('down_timer_adverts replaces the 3', () => {
    assert.equal(masterDownMs(3, 100, 100, 5), 560.9375);
  });
  it('higher priority always has the shorter master-down (who takes over first)', () => {
    for (let p = 1; p < 255; p++) assert.ok(masterDownMs(3, p + 1, 100) < masterDownMs(3, p, 100));
  });
});
