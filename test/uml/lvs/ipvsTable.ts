// Two readings of the kernel's IPVS table for the LVS side-by-side lab:
// - normalizeListing: `ipvsadm -Ln` as compared between keepalived and vipd: services and their real servers
//   with scheduler, flags, forwarding method and weight, counters (ActiveConn/InActConn) stripped, sorted,
//   so two agents that programmed the same table print the same lines whatever order they added them in.
// - parseProcIpvs: /proc/net/ip_vs (the same kernel table, hex addresses) for the 50 ms polls that time a
//   removal or re-add: a file read costs far less than starting ipvsadm inside user-mode Linux, where every
//   process start is slow, so the poll itself does not delay what it measures.

/** `ipvsadm -Ln` → ["TCP 10.1.0.100:80 wrr", "  -> 10.2.0.11:80 Masq 3", …], sorted per service. */
export function normalizeListing(text: string): string[] {
  const services: { head: string; dests: string[] }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('IP Virtual Server') || line.startsWith('Prot ') || line.startsWith('-> RemoteAddress')) continue;
    const tokens = line.split(/\s+/);
    if (tokens[0] === '->') {
      // -> ADDR:PORT FORWARD WEIGHT ACTIVE INACTIVE: drop the two counters.
      services.at(-1)?.dests.push(`  -> ${tokens.slice(1, 4).join(' ')}`);
    } else {
      services.push({ head: tokens.join(' '), dests: [] });
    }
  }
  services.sort((a, b) => (a.head < b.head ? -1 : a.head > b.head ? 1 : 0));
  return services.flatMap((s) => [s.head, ...s.dests.sort()]);
}

/** "TCP 10.1.0.100:80" → ("10.2.0.11:80" → weight), from /proc/net/ip_vs (IPv4 only: the lab has no IPv6). */
export type ProcTable = Map<string, Map<string, number>>;

function hexEndpoint(hex: string): string {
  const [addr, port] = hex.split(':');
  if (!addr || !port || addr.length !== 8) return hex;
  const octets = [0, 2, 4, 6].map((i) => parseInt(addr.slice(i, i + 2), 16));
  return `${octets.join('.')}:${parseInt(port, 16)}`;
}

export function parseProcIpvs(text: string): ProcTable {
  const table: ProcTable = new Map();
  let current: Map<string, number> | null = null;
  for (const raw of text.split('\n')) {
    const tokens = raw.trim().split(/\s+/);
    if (tokens[0] === 'TCP' || tokens[0] === 'UDP' || tokens[0] === 'SCTP') {
      current = new Map();
      table.set(`${tokens[0]} ${hexEndpoint(tokens[1] ?? '')}`, current);
    } else if (tokens[0] === '->' && current && tokens[1] !== 'RemoteAddress:Port') {
      current.set(hexEndpoint(tokens[1] ?? ''), Number(tokens[3]));
    }
  }
  return table;
}
