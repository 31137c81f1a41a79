// The AH sequence counter as keepalived 2.2.7 keeps it (vrrp.c vrrp_update_pkt, vrrp_in_chk_ipsecah,
// vrrp_state_master_rx, vrrp_state_goto_master), driven with keepalived's own captured adverts.
import assert from 'node:assert/strict';
import { ahKey, computeAhIcv } from '../../../src/vrrp/ah.js';
import { AhSession, type AhInstanceFacts } from '../../../src/vrrp/ahSession.js';
import { decodeIpv4Advert } from '../../../src/vrrp/codec.js';
import { AUTH_AH } from '../../../src/vrrp/constants.js';
import type { ValidationView } from '../../../src/vrrp/validate.js';
import { pcapDatagrams } from './hex.js';

const MCAST = pcapDatagrams('keepalived-2.2.7-ah-mcast.pcap'); // from 10.9.0.1, priority 150, seq 1..3; seq 4 priority 0
const VIEW: ValidationView = {
  vrid: 51, version: 2, family: 4, authType: AUTH_AH, authData: ahKey('secret12'), advertIntMs: 1000,
  vips: ['10.9.0.100', '10.9.0.101'], unicast: false, v3ChecksumAsV2: false,
};
const backup: AhInstanceFacts = { state: 'BACKUP', effectivePriority: 100, sourceAddress: '10.9.0.2' };

/** The session screens the packet router's one decode of a datagram. */
function screen(s: AhSession, frame: Buffer, facts: AhInstanceFacts) {
  return s.screen(decodeIpv4Advert(frame), facts);
}

/** A captured advert with another sequence number, re-signed (so only the number differs). */
function withSeq(frame: Buffer, seq: number): Buffer {
  const d = Buffer.from(frame);
  d.writeUInt32BE(seq, 28);
  computeAhIcv(d, 20, ahKey('secret12'), false).copy(d, 32);
  return d;
}

describe('vrrp/ahSession: the AH sequence number', () => {
  it('sends 1, 2, 3 … from a fresh start, one number per advert', () => {
    const s = new AhSession(VIEW);
    assert.deepEqual([1, 2, 3].map(() => s.nextSendSequence('MASTER')), [1, 2, 3]);
  });

  it('accepts strictly increasing numbers and drops a replay as ah_seq_replay', () => {
    const s = new AhSession(VIEW);
    for (const f of MCAST.slice(0, 3)) assert.equal(screen(s, f, backup), null);
    assert.equal(s.sequence, 3);
    assert.equal(screen(s, MCAST[1]!, backup), 'ah_seq_replay');
    assert.equal(screen(s, MCAST[2]!, backup), 'ah_seq_replay', 'equal is a replay too');
    assert.equal(screen(s, MCAST[3]!, backup), null);
  });

  it('a backup that takes over continues the sequence it heard (one counter for send and receive)', () => {
    const s = new AhSession(VIEW);
    for (const f of MCAST.slice(0, 3)) screen(s, f, backup);
    assert.equal(s.nextSendSequence('MASTER'), 4);
  });

  it('a restarted master starting again at 1 is dropped as a replay by a backup that heard more', () => {
    const s = new AhSession(VIEW);
    screen(s, withSeq(MCAST[0]!, 1000), backup);
    assert.equal(screen(s, MCAST[0]!, backup), 'ah_seq_replay');
  });

  it('MASTER hearing a lower priority advert syncs to its number + 1 (keepalived "Syncing seq_num"), which heals that split brain', () => {
    const s = new AhSession(VIEW);
    const master: AhInstanceFacts = { state: 'MASTER', effectivePriority: 200, sourceAddress: '10.9.0.2' };
    s.nextSendSequence('MASTER'); // restarted master: counter 1
    assert.equal(screen(s, withSeq(MCAST[0]!, 1001), master), null); // the old backup, now master at 1001, priority 150
    assert.equal(s.sequence, 1002);
    assert.equal(s.nextSendSequence('MASTER'), 1003); // above 1001: the other side accepts it and yields
  });

  it('MASTER hearing a higher priority advert only raises the counter to it', () => {
    const s = new AhSession(VIEW);
    screen(s, withSeq(MCAST[0]!, 50), { state: 'MASTER', effectivePriority: 100, sourceAddress: '10.9.0.2' });
    assert.equal(s.sequence, 50);
  });

  it('the counter does not move for adverts keepalived drops before its AH check, nor in FAULT', () => {
    const s = new AhSession(VIEW);
    const bad = Buffer.from(withSeq(MCAST[0]!, 77));
    bad[32] = bad[32]! ^ 0xff; // ICV broken
    assert.equal(screen(s, bad, backup), null, 'left to the runner, which drops it as ah_icv_mismatch');
    const ttl = withSeq(MCAST[0]!, 78);
    ttl[8] = 64; // multicast TTL ≠ 255 (row 9, before AH)
    assert.equal(screen(s, ttl, backup), null);
    assert.equal(screen(s, withSeq(MCAST[0]!, 79), { ...backup, state: 'FAULT' }), null);
    assert.equal(s.sequence, 0);
  });

  it('the counter moves for an advert dropped after the AH check (interval mismatch, row 16)', () => {
    const s = new AhSession({ ...VIEW, advertIntMs: 2000 });
    assert.equal(screen(s, withSeq(MCAST[0]!, 9), backup), null);
    assert.equal(s.sequence, 9);
  });

  it('at 0xFFFFFFFE the counter stops and is marked cycled; becoming MASTER then restarts it at 1', () => {
    const s = new AhSession(VIEW);
    screen(s, withSeq(MCAST[0]!, 0xfffffffe), { ...backup, state: 'STOP' });
    assert.equal(s.nextSendSequence('BACKUP'), 0xfffffffe);
    assert.equal(s.nextSendSequence('MASTER'), 1);
  });
});
