// Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load Balancer",
// NSDI 2016, §3.4, Pseudocode 1), the rule of IPVS's mh scheduler (ip_vs_mh.c), computed here because nftables
// has no Maglev expression (lvs.md §7.3): the nft side only does `jhash … mod M vmap { slot : backend }`.
//
// Table size M = 4093, the prime IPVS uses by default (CONFIG_IP_VS_MH_TAB_INDEX=12 → primes[4] = 4093 in
// ip_vs_mh.c). M must be prime (every skip is then coprime with M, so each permutation visits every slot) and
// fixed (a size that followed the number of real servers would remap every flow when one leaves). The paper asks
// M ≫ N (M ≥ 100·N keeps each share within ~1%): 4093 serves up to ~40 real servers per service at that
// precision; 65537 would be 16× the map elements per service for no gain at these sizes.
//
// Each real server's permutation comes from two hashes of its identity (destId, "10.2.0.11:80"), never of its
// position, so every director computes the same table for the same real servers; the fill walks them in the
// caller's order (the plane sorts by destId), so the order they were configured or learned in does not matter.
// Weights: in each round a real server takes weight/gcd turns (ip_vs_mh_populate does the same), so its share of
// slots follows its weight; weight 0 servers are not in the table (new flows never go to them).

export const MAGLEV_TABLE_SIZE = 4093;

export interface MaglevBackend {
  readonly id: string;
  readonly weight: number;
}

/** FNV-1a 32-bit over the UTF-16 code units of `s`, from `basis` (two bases give two independent hashes). */
function fnv1a(s: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A final avalanche (murmur3 fmix32): FNV alone leaves similar strings ("…:80", "…:81") close together.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

const OFFSET_BASIS = 0x811c9dc5; // FNV's own offset basis
const SKIP_BASIS = 0x5bd1e995; // any other constant: the second hash must differ from the first

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * slot → index into `backends` (every slot filled), or an empty table when no backend has a weight.
 * `size` must be prime; the default is MAGLEV_TABLE_SIZE.
 */
export function maglevTable(backends: readonly MaglevBackend[], size = MAGLEV_TABLE_SIZE): Int32Array {
  const live = backends.map((b, i) => ({ i, w: b.weight, id: b.id })).filter((b) => b.w > 0);
  const table = new Int32Array(live.length ? size : 0).fill(-1);
  if (!live.length) return table;
  const g = live.reduce((acc, b) => gcd(acc, b.w), 0);
  // Turns per round: weight/gcd, scaled down when one round would exceed the table (weights like 1000:1).
  const total = live.reduce((acc, b) => acc + b.w / g, 0);
  const scale = total > size ? size / total : 1;
  const offset = live.map((b) => fnv1a(b.id, OFFSET_BASIS) % size);
  const skip = live.map((b) => (fnv1a(b.id, SKIP_BASIS) % (size - 1)) + 1);
  const next = live.map(() => 0);
  const turns = live.map((b) => Math.max(1, Math.round((b.w / g) * scale)));
  let filled = 0;
  while (filled < size) {
    for (let k = 0; k < live.length && filled < size; k++) {
      for (let t = 0; t < turns[k]! && filled < size; t++) {
        let c: number;
        do {
          c = (offset[k]! + next[k]! * skip[k]!) % size;
          next[k] = next[k]! + 1;
        } while (table[c] !== -1);
        table[c] = live[k]!.i;
        filled++;
      }
    }
  }
  return table;
}
