// Names iproute2 gives to routing numbers (tables, protocols, scopes, DS fields, realms), resolved the way
// keepalived's lib/rttables.c does: a decimal or 0x number is taken as is (up to the field's maximum); a name is
// looked up in /etc/iproute2/<file> ("ID NAME" lines, # comments), falling back to the built-in defaults
// keepalived compiles in. Pure: the loader passes the file texts in.

/** The files keepalived reads (rttables.c RT_*_FILE); all under /etc/iproute2/. */
export const IPROUTE2_FILES = ['rt_tables', 'rt_protos', 'rt_scopes', 'rt_dsfield', 'rt_realms'] as const;
export type Iproute2File = (typeof IPROUTE2_FILES)[number];

const DEFAULTS: Readonly<Record<Iproute2File, Readonly<Record<string, number>>>> = {
  rt_tables: { default: 253, main: 254, local: 255 },
  rt_protos: {
    none: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12, dnrouted: 13,
    xorp: 14, ntk: 15, dhcp: 16, keepalived: 18, babel: 42,
  },
  rt_scopes: { global: 0, nowhere: 255, host: 254, link: 253, site: 200 },
  rt_dsfield: {},
  rt_realms: {},
};

/** Largest value of each field (RT_TABLE_MAX is u32; the rest are u8, realms u16 halves but keepalived caps 255). */
const MAX: Readonly<Record<Iproute2File, number>> = {
  rt_tables: 0xffffffff,
  rt_protos: 255,
  rt_scopes: 255,
  rt_dsfield: 255,
  rt_realms: 255,
};

export interface Iproute2Names {
  /** The number a name or numeric text stands for, or null when it is unknown or out of range. */
  lookup(file: Iproute2File, text: string): number | null;
}

/** Number parsing as strtoul(…, 0): decimal, 0x hex or 0 octal, no sign. */
export function parseCNumber(text: string): number | null {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^0[0-7]+$/.test(text)) return parseInt(text.slice(1), 8);
  if (/^\d+$/.test(text)) return Number(text);
  return null;
}

/** "ID NAME" lines as rttables.c read_file() takes them: exactly two words, ID ≤ max, anything else skipped. */
export function parseIproute2File(text: string, max: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const words = line.split(/\s+/).filter((w) => w !== '');
    if (words.length !== 2) continue;
    const id = parseCNumber(words[0]!);
    if (id === null || id > max) continue;
    if (!out.has(words[1]!)) out.set(words[1]!, id);
  }
  return out;
}

/**
 * Names from the given file texts (null = file absent) plus keepalived's defaults, whose ids are added only when
 * the file did not name them (rttables.c add_default).
 */
export function iproute2Names(read: (file: Iproute2File) => string | null): Iproute2Names {
  const cache = new Map<Iproute2File, Map<string, number>>();
  const table = (file: Iproute2File): Map<string, number> => {
    let m = cache.get(file);
    if (!m) {
      const text = read(file);
      m = text === null ? new Map() : parseIproute2File(text, MAX[file]);
      const ids = new Set(m.values());
      for (const [name, id] of Object.entries(DEFAULTS[file])) if (!ids.has(id) && !m.has(name)) m.set(name, id);
      cache.set(file, m);
    }
    return m;
  };
  return {
    lookup(file, text) {
      const n = parseCNumber(text);
      if (n !== null) return n <= MAX[file] ? n : null;
      return table(file).get(text) ?? null;
    },
  };
}
