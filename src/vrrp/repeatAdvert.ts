// A backup hears the same advert from its master every interval: as an IPv4 datagram, byte for byte the same but
// for the IP identification (keepalived counts it up per send, vrrp.c:429-434) and, with it, the IP header
// checksum (verified by the kernel before a raw socket sees the datagram, and never an input of validate.ts).
// RepeatAdvert remembers the last datagram that passed the full decode and validateAdvert for one instance, and
// recognises the next identical one without decoding it again (issue 12: a backup's per-advert cost).
//
// Why a byte match may skip validation: validateAdvert(pkt, view) is a pure function of the datagram's bytes
// (IPv4: source, destination and TTL are read from the header, not from the socket) and of the view. Every byte
// it reads is compared here: the TTL (RFC 5798 §7.1: 255 for multicast), the source and destination (the v3
// pseudo-header, multicast vs unicast), the whole VRRP message (version, type, VRID, priority, count, interval,
// the VRRP checksum, the addresses, the v2 authentication data). So a match was validated, with the same verdict,
// under the same view (compared by identity: a reload replaces it). Only acceptances without anomalies are
// remembered, and only protocol-112 datagrams: keepalived's AH adverts carry a sequence number and an ICV that
// change with every advert and a sequence check that must run on each (ahSession.ts).
import { IPV4_HEADER_LEN, VRRP_HEADER_LEN, VRRP_IP_PROTOCOL } from './constants.js';

/** Bytes 4-5 (identification) and 10-11 (header checksum) of the IPv4 header are allowed to differ. */
const ID_AT = 4;
const HEADER_CHECKSUM_AT = 10;

/**
 * The same comparison four bytes at a time where both datagrams are 4-byte aligned (the socket's receive slots
 * are): words 1 (bytes 4-7) and 2 (bytes 8-11) are compared under a mask that leaves out the identification and
 * the header checksum. A backup compares every advert it hears (2,550 a second at 255 × 100 ms), and the byte
 * loop was most of the receive path's JavaScript in a profile of the lab (issue 12).
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const KEEP_WORD_1 = LITTLE_ENDIAN ? 0xffff0000 | 0 : 0x0000ffff;
const KEEP_WORD_2 = LITTLE_ENDIAN ? 0x0000ffff : 0xffff0000 | 0;

export class RepeatAdvert {
  /** The remembered datagram in [0, length), as words and as bytes of one buffer (reused while later ones fit). */
  private words: Int32Array | null = null;
  private bytes: Uint8Array | null = null;
  private length = 0;
  private view: object | null = null;
  /** A word view of the buffer the socket delivers in (one per receive buffer, made at its first datagram). */
  private theirs: Int32Array | null = null;

  /**
   * Remember `datagram` (a whole IPv4 datagram carrying VRRP, as the socket delivered it), accepted without notes
   * by validateAdvert under `view`. Anything that is not a plain protocol-112 datagram is not remembered.
   */
  remember(datagram: Uint8Array, view: object): void {
    const n = datagram.length;
    if (n < IPV4_HEADER_LEN + VRRP_HEADER_LEN || datagram[0]! >> 4 !== 4 || datagram[9] !== VRRP_IP_PROTOCOL) {
      this.forget();
      return;
    }
    if (this.bytes === null || this.bytes.length < n) {
      this.words = new Int32Array(Math.max(n + 3, 64) >> 2);
      this.bytes = new Uint8Array(this.words.buffer);
    }
    this.bytes.set(datagram, 0);
    this.length = n;
    this.view = view;
  }

  /** Nothing is a repeat until the next remember() (state or view changed, a packet took the full path). */
  forget(): void {
    this.length = 0;
    this.view = null;
  }

  /** Whether buf[start, end) is the remembered datagram again (IP id and header checksum aside), under `view`. */
  matches(buf: Uint8Array, start: number, end: number, view: object): boolean {
    const n = this.length;
    if (n === 0 || end - start !== n || view !== this.view) return false;
    const at = buf.byteOffset + start;
    if ((at & 3) === 0) return this.matchesWords(buf, start, at >> 2, n);
    const mine = this.bytes!;
    for (let i = 0; i < ID_AT; i++) if (buf[start + i] !== mine[i]) return false;
    for (let i = ID_AT + 2; i < HEADER_CHECKSUM_AT; i++) if (buf[start + i] !== mine[i]) return false;
    for (let i = HEADER_CHECKSUM_AT + 2; i < n; i++) if (buf[start + i] !== mine[i]) return false;
    return true;
  }

  /** matches() for a datagram at word `w` of buf's buffer (n ≥ 28: remember() keeps nothing shorter). */
  private matchesWords(buf: Uint8Array, start: number, w: number, n: number): boolean {
    let theirs = this.theirs;
    if (theirs === null || theirs.buffer !== buf.buffer) theirs = this.theirs = new Int32Array(buf.buffer, 0, buf.buffer.byteLength >> 2);
    const mine = this.words!;
    if (theirs[w] !== mine[0]) return false;
    if (((theirs[w + 1]! ^ mine[1]!) & KEEP_WORD_1) !== 0) return false;
    if (((theirs[w + 2]! ^ mine[2]!) & KEEP_WORD_2) !== 0) return false;
    const whole = n >> 2;
    for (let i = 3; i < whole; i++) if (theirs[w + i] !== mine[i]) return false;
    const bytes = this.bytes!;
    for (let i = whole << 2; i < n; i++) if (buf[start + i] !== bytes[i]) return false;
    return true;
  }
}
