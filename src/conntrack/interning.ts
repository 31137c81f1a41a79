// Decode-side caches that keep 100,000 decoded entries cheap for the GC: one string per distinct address and
// one frozen object per distinct TCP info. Used by the netlink decoder (codec.ts) and the record reader
// (record.ts); kept apart from both so neither has to import the other.
import { formatAddress as addrToString } from '../ip/address.js';
import type { ConntrackEntry, IpFamily } from './types.js';

/**
 * Address text shared across entries: the VIP and the real servers appear in every entry, and within one entry
 * the client is both the original source and the reply destination. One string per address instead of four
 * new ones per entry means less to allocate and, above all, less for the GC to copy when 100,000 entries are
 * kept. Bounded (cleared when full); owned by one decoder.
 */
export class AddressNames {
  private readonly v4 = new Map<number, string>();
  constructor(private readonly max = 8192) {}

  text(buf: Uint8Array, family: IpFamily, off: number): string {
    if (family !== 4) return addrToString(buf, family, off);
    const k = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
    let s = this.v4.get(k);
    if (s === undefined) {
      if (this.v4.size >= this.max) this.v4.clear();
      s = addrToString(buf, 4, off);
      this.v4.set(k, s);
    }
    return s;
  }
}

/** Shared, frozen TCP info objects: a table holds a handful of distinct (state, window scales) triples. */
export class TcpInfos {
  private readonly byKey = new Map<number, ConntrackEntry['tcp']>();

  get(state: number, wscaleOrig: number, wscaleReply: number): NonNullable<ConntrackEntry['tcp']> {
    const k = (state << 16) | (wscaleOrig << 8) | wscaleReply;
    let t = this.byKey.get(k);
    if (!t) {
      t = Object.freeze({ state, wscaleOrig, wscaleReply });
      if (this.byKey.size < 4096) this.byKey.set(k, t);
    }
    return t;
  }
}
