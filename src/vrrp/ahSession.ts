// The stateful half of keepalived's `auth_type AH`: one 32-bit sequence counter per instance, shared by the send
// and the receive side exactly as keepalived's `ipsecah_counter` is (vrrp.h seq_counter_t). Sending increments it;
// receiving accepts only a sequence number above it and raises it. So a backup that takes over continues the old
// master's sequence, and every other backup (which tracks the highest number heard, whoever sent it) accepts it.
//
// keepalived 2.2.7 rules reproduced here (vrrp.c):
// - send (vrrp_update_pkt): once per advert, not per unicast peer: if the counter is above 0xFFFFFFFD it is
//   left there and marked cycled, else incremented; the advert carries the counter. The first advert is 1.
// - receive (vrrp_in_chk_ipsecah, after the ICV and SPI checks): seq > counter → counter = seq, else dropped.
//   No per-sender state ("TODO - If SPI doesn't match previous SPI, we are starting again").
// - MASTER hearing a valid lower-priority advert (vrrp_state_master_rx): counter = its seq + 1 ("Syncing seq_num").
//   This is how a split brain after a restart heals: a master restarted faster than its backup's Master_Down
//   timer starts again at 1, which the backup drops as replays until it takes over itself and sends a number
//   above the restarted master's counter; the restarted master then syncs to it and its next advert is accepted.
// - becoming MASTER with a cycled counter resets it to 0 (vrrp_state_goto_master); BACKUP accepting clears it.
// - reload keeps the counter (vrrp.c: "Keep ipsec AH seq_number"); a restart of the process starts at 0.
import { compareAddresses } from '../ip/address.js';
import type { Decoded, ReceivedAdvert } from './codec.js';
import type { DropReason } from './drops.js';
import type { VrrpState } from './types.js';
import { validateAdvert, type ValidationView } from './validate.js';

/** Highest value the counter is incremented from; above it keepalived stops counting (136 years at 1 s). */
const SEQ_CYCLE_AT = 0xfffffffd;

/**
 * Drop reasons validateAdvert reaches at or before keepalived's AH check (vrrp_check_packet rows 7-15): keepalived
 * returns before it looks at the sequence number, so the counter must not move. Any later reason (interval, type,
 * checksum, destination …) comes after the AH check: the counter moves even though the advert is then dropped.
 */
const BEFORE_SEQUENCE: ReadonlySet<DropReason> = new Set<DropReason>([
  'unknown_vrid', 'wrong_family', 'authtype_mismatch', 'ip_ttl_err', 'version_mismatch', 'invalid_authtype',
  'auth_failure', 'ah_next_header', 'ah_icv_mismatch', 'ah_spi_mismatch',
]);

/** What the receive check needs to know about the instance at the moment a packet arrives. */
export interface AhInstanceFacts {
  readonly state: VrrpState;
  readonly effectivePriority: number;
  readonly sourceAddress: string;
}

export class AhSession {
  /** keepalived ipsecah_counter.seq_number: the last number sent or the highest accepted, whichever is later. */
  private counter = 0;
  private cycled = false;
  private sentAsMaster = false;

  constructor(private view: ValidationView) {}

  /** A reload that keeps the instance (and so the counter) but changes its VIPs, interval … */
  setView(view: ValidationView): void {
    this.view = view;
  }

  get sequence(): number {
    return this.counter;
  }

  /** The sequence number for the next advert (one per advert, whatever the number of unicast peers). */
  nextSendSequence(state: VrrpState): number {
    const master = state === 'MASTER';
    // vrrp_state_goto_master: "If becoming MASTER in IPSEC AH AUTH, we reset the anti-replay".
    if (master && !this.sentAsMaster && this.cycled) {
      this.cycled = false;
      this.counter = 0;
    }
    this.sentAsMaster = master;
    if (this.counter > SEQ_CYCLE_AT) this.cycled = true;
    else this.counter++;
    return this.counter;
  }

  /**
   * The sequence check for one received IPv4 datagram, as the packet router decoded it (once, codec.ts
   * decodeReceived), before the runner sees it. Returns 'ah_seq_replay' to drop it; null to hand it on (the runner
   * then validates the same decode and drops anything else, counted).
   */
  screen(rx: Decoded<ReceivedAdvert>, inst: AhInstanceFacts): DropReason | null {
    // keepalived ignores adverts in FAULT and INIT before any check (sched.c:1115-1119); so does the runner.
    if (inst.state === 'FAULT' || inst.state === 'INIT') return null;
    if ('drop' in rx || !rx.ok.ah) return null;
    const verdict = validateAdvert(rx.ok, this.view);
    if (!verdict.accept && BEFORE_SEQUENCE.has(verdict.reason)) return null;
    const seq = rx.ok.ah.header.seq;
    if (seq <= this.counter) return 'ah_seq_replay';
    this.counter = seq;
    if (!verdict.accept) return null;
    const prio = rx.ok.advert.priority;
    if (inst.state === 'BACKUP') this.cycled = false;
    if (inst.state === 'MASTER' && prio !== 0) {
      const cmp = compareAddresses(rx.ok.src, inst.sourceAddress);
      if (prio < inst.effectivePriority || (prio === inst.effectivePriority && cmp < 0)) {
        this.counter = (seq + 1) >>> 0; // "IPSEC-AH : Syncing seq_num - Increment seq"
        this.cycled = false;
      } else if (prio > inst.effectivePriority || cmp > 0) {
        this.cycled = false;
      }
    }
    return null;
  }
}
