// Virtual server drafts → VirtualServerConfig, as keepalived's validate_check_config (check_data.c) and
// link_vsg_to_vs (ipwrapper.c) do it: family, protocol/scheduler/method defaults with their warnings,
// persistence (port-less VS, granularity), RS inheritance and de-duplication, quorum/hysteresis caps, the
// port fixups of lvs.md §1.3, group expansion into kernel keys, and the reload identity of §1.1.
import type { DiagnosticSink, SourceRef } from './diagnostics.js';
import { completeChecker } from './lvsCheckers.js';
import type { RealServerDraft, VirtualServerDraft, VirtualServerGroupDraft } from './lvsDrafts.js';
import type {
  LvsFamily,
  LvsMethod,
  LvsProtocol,
  PersistenceConfig,
  RealServerConfig,
  SorryServerConfig,
  VirtualServerConfig,
  VirtualServerGroupConfig,
  VirtualServerKey,
} from './lvsTypes.js';
import { DEFAULT_PERSISTENCE_S } from './keywords/lvs.js';
import type { TrackFileConfig } from './types.js';

export const VS_DEFAULTS = { scheduler: 'wlc', protocol: 'UDP', delayLoopMs: 60000, quorum: 1, weight: 1 } as const;

const NAT: LvsMethod = { kind: 'NAT' };
const FAMILY_NAME: Record<LvsFamily, string> = { inet: 'IPv4', inet6: 'IPv6' };

export interface LvsCompleteInput {
  readonly virtualServers: readonly VirtualServerDraft[];
  readonly groups: readonly VirtualServerGroupDraft[];
  readonly trackFiles: ReadonlyMap<string, TrackFileConfig>;
  readonly logAllFailures: boolean;
}

/** `IPv4 dotted mask` → prefix bits (contiguous only), `IPv6 prefix` 1..128 (check_parser.c pgr_handler). */
function granularityBits(text: string, family: LvsFamily, at: SourceRef, sink: DiagnosticSink): number | null {
  if (family === 'inet6') {
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (n >= 1 && n <= 128) return n;
    sink.error(at, `persistence_granularity: '${text}' must be an IPv6 prefix length in [1, 128]`);
    return null;
  }
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  const octets = m ? m.slice(1).map(Number) : [];
  if (!m || octets.some((o) => o > 255)) {
    sink.error(at, `persistence_granularity: '${text}' must be an IPv4 netmask such as 255.255.255.0`);
    return null;
  }
  const mask = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const bits = mask === 0 ? 0 : 32 - Math.log2((~mask >>> 0) + 1);
  if (!Number.isInteger(bits) || bits === 0) {
    // keepalived and the kernel accept any mask, but a non-contiguous one cannot be a prefix (the nftables data
    // plane and `vipd status` speak prefixes), and it is almost always a typo.
    sink.error(at, `persistence_granularity: netmask ${text} is not contiguous (or is 0.0.0.0); vipd accepts prefix masks only`);
    return null;
  }
  return bits;
}

function vsFamily(d: VirtualServerDraft, group: VirtualServerGroupDraft | null, sink: DiagnosticSink): LvsFamily | null {
  if (d.head.kind === 'address') {
    if (d.ipFamily && d.ipFamily !== d.head.family) {
      sink.error(d.source, `virtual_server ${d.name}: ip_family ${d.ipFamily} conflicts with the address family`);
      return null;
    }
    return d.head.family;
  }
  const fromGroup = new Set(group?.members.map((m) => m.family).filter((f): f is LvsFamily => f !== null));
  if (fromGroup.size > 1) {
    sink.error(d.source, `virtual_server ${d.name}: group ${group!.name} mixes IPv4 and IPv6 entries; vipd needs one family per virtual_server_group`);
    return null;
  }
  const groupFamily = [...fromGroup][0];
  const direct = [...d.realServers.filter((r) => r.method?.kind !== 'TUN' && d.method?.kind !== 'TUN'), ...(d.sorryServer ? [d.sorryServer] : [])];
  const fam = d.ipFamily ?? groupFamily ?? direct[0]?.family ?? d.realServers[0]?.family ?? 'inet';
  if (groupFamily && d.ipFamily && groupFamily !== d.ipFamily) {
    sink.error(d.source, `virtual_server ${d.name}: ip_family ${d.ipFamily} does not match group ${group!.name} (${FAMILY_NAME[groupFamily]})`);
    return null;
  }
  return fam;
}

function keysOf(d: VirtualServerDraft, group: VirtualServerGroupDraft | null, family: LvsFamily, protocol: LvsProtocol): VirtualServerKey[] {
  if (d.head.kind === 'address') return [{ kind: 'address', family, protocol, address: d.head.address, port: d.head.port ?? 0 }];
  if (d.head.kind === 'fwmark') return [{ kind: 'fwmark', family, fwmark: d.head.fwmark }];
  return group!.members.map((m) =>
    m.kind === 'address'
      ? { kind: 'address', family: m.family, protocol, address: m.address, port: m.port ?? 0 }
      : { kind: 'fwmark', family: m.family ?? family, fwmark: m.fwmark },
  );
}

/** lvs.md §1.1 vs_iseq: group name + ordinal; else family + fwmark; else protocol + address + port. */
function identity(d: VirtualServerDraft, family: LvsFamily, protocol: LvsProtocol, ordinal: number): string {
  if (d.head.kind === 'group') return `group:${d.head.group}#${ordinal}`;
  if (d.head.kind === 'fwmark') return `fwmark:${family}:${d.head.fwmark}`;
  const addr = family === 'inet6' ? `[${d.head.address}]` : d.head.address;
  return `${protocol}:${addr}:${d.head.port ?? 0}`;
}

function errorCount(sink: DiagnosticSink): number {
  return sink.items.filter((i) => i.severity === 'error').length;
}

function rsLabel(r: { address: string; port: number | null }): string {
  return r.port === null ? r.address : `${r.address}:${r.port}`;
}

/** The port a destination gets (lvs.md §1.3, check_data.c validate_check_config / ipvswrapper.c). */
function destPort(
  d: VirtualServerDraft,
  r: { address: string; port: number | null; source: SourceRef },
  method: LvsMethod,
  what: string,
  sink: DiagnosticSink,
): number {
  const tag = `virtual_server ${d.name}: ${what} ${rsLabel(r)}`;
  if (d.head.kind === 'group') {
    // Per member: NAT keeps its own port; DR/TUN take each member's port in the data plane (ipvs_group_range_cmd).
    return r.port ?? 0;
  }
  if (d.head.kind === 'fwmark') {
    if (method.kind === 'NAT') return r.port ?? 0;
    if (r.port !== null) sink.warning(r.source, `${tag} has a port, but a fwmark ${method.kind} destination has none - clearing`);
    return 0;
  }
  const vsPort = d.head.port ?? 0;
  if (method.kind === 'NAT') return r.port ?? vsPort;
  if (r.port !== null && r.port !== vsPort) sink.warning(r.source, `${tag}: ${method.kind} needs the virtual server's port ${vsPort} - resetting`);
  return vsPort;
}

function completeOne(d: VirtualServerDraft, groups: ReadonlyMap<string, VirtualServerGroupDraft>, ordinal: number, input: LvsCompleteInput, sink: DiagnosticSink): VirtualServerConfig | null {
  const tag = `virtual_server ${d.name}`;
  const group = d.head.kind === 'group' ? (groups.get(d.head.group) ?? null) : null;
  if (d.head.kind === 'group' && !group) {
    sink.error(d.source, `${tag}: virtual_server_group ${d.head.group} is not defined`);
    return null;
  }
  if (d.realServers.length === 0) {
    sink.error(d.source, `${tag} has no real servers (keepalived ignores such a virtual server)`);
    return null;
  }
  const family = vsFamily(d, group, sink);
  if (family === null) return null;
  let ok = true;

  const hasAddresses = d.head.kind === 'address' || (group?.members.some((m) => m.kind === 'address') ?? false);
  const hasFwmarks = d.head.kind === 'fwmark' || (group?.members.some((m) => m.kind === 'fwmark') ?? false);
  let protocol: LvsProtocol = d.protocol?.value ?? VS_DEFAULTS.protocol;
  if (hasAddresses && !d.protocol) sink.warning(d.source, `${tag}: no protocol set - defaulting to UDP`);
  if (!hasAddresses && d.protocol) {
    sink.warning(d.protocol.source, `${tag}: protocol specified for fwmark - protocol will be ignored`);
    protocol = VS_DEFAULTS.protocol;
  }
  let onePacket = d.onePacket !== undefined;
  if (onePacket && hasAddresses && protocol !== 'UDP') {
    sink.warning(d.onePacket!, `${tag}: one packet scheduling (ops) requires UDP or a fwmark - resetting`);
    onePacket = false;
  }
  let haSuspend = d.haSuspend !== undefined;
  if (haSuspend && hasFwmarks) {
    sink.warning(d.haSuspend!, `${tag}: cannot use ha_suspend with fwmarks - clearing ha_suspend`);
    haSuspend = false;
  }

  // Persistence: granularity implies it, and so does an address VS (or group entry) without a port.
  let timeoutS = d.persistenceTimeoutS;
  let netmaskBits = family === 'inet' ? 32 : 128;
  if (d.granularity) {
    const bits = granularityBits(d.granularity.text, family, d.granularity.source, sink);
    if (bits === null) ok = false;
    else netmaskBits = bits;
    timeoutS ??= DEFAULT_PERSISTENCE_S;
  }
  const portless = d.head.kind === 'address' ? d.head.port === null : (group?.members.some((m) => m.kind === 'address' && m.port === null) ?? false);
  if (timeoutS === undefined && portless) {
    sink.warning(d.source, `${tag}: zero port only valid for persistent services - setting persistence_timeout ${DEFAULT_PERSISTENCE_S}`);
    timeoutS = DEFAULT_PERSISTENCE_S;
  }
  if (d.persistenceEngine && timeoutS === undefined) sink.warning(d.source, `${tag}: persistence_engine sip has no effect without persistence`);
  const persistence: PersistenceConfig | null = timeoutS === undefined ? null : { timeoutS, netmaskBits, engine: d.persistenceEngine ?? null };

  let scheduler = d.scheduler;
  if (scheduler === undefined) {
    sink.warning(d.source, `${tag}: no scheduler set, setting default '${VS_DEFAULTS.scheduler}'`);
    scheduler = VS_DEFAULTS.scheduler;
  }
  let vsMethod = d.method;
  const methodOf = (own: LvsMethod | undefined): LvsMethod => {
    if (own) return own;
    if (!vsMethod) {
      sink.warning(d.source, `${tag}: no forwarding method set, setting default NAT`);
      vsMethod = NAT;
    }
    return vsMethod;
  };

  const alpha = d.alpha ?? false;
  const inhibit = d.inhibitOnFailure ?? false;
  const realServers: RealServerConfig[] = [];
  const seen = new Map<string, RealServerDraft>();
  let weightSum = 0;
  for (const r of d.realServers) {
    const key = `${r.address}|${r.port ?? 0}`;
    const first = seen.get(key);
    if (first) {
      sink.warning(r.source, `${tag}: real server ${rsLabel(r)} is duplicated (first at ${first.source.file}:${first.source.line}) - removing second rs`);
      continue;
    }
    seen.set(key, r);
    const method = methodOf(r.method);
    if (method.kind !== 'TUN' && r.family !== family) {
      sink.error(r.source, `${tag}: address family of the virtual server (${FAMILY_NAME[family]}) and real server ${r.address} don't match (only TUN may mix them)`);
      ok = false;
      continue;
    }
    const upper = r.upperThreshold ?? 0;
    const lower = r.lowerThreshold ?? 0;
    if (lower > upper) {
      sink.error(r.source, `${tag}: real server ${rsLabel(r)} lthreshold ${lower} > uthreshold ${upper} (the kernel refuses it with ERANGE)`);
      ok = false;
    }
    const port = destPort(d, r, method, 'real server', sink);
    const weight = r.weight ?? d.weight ?? VS_DEFAULTS.weight;
    weightSum += weight;
    const rsAlpha = r.alpha ?? alpha;
    const ctx = {
      vs: d,
      rs: r,
      rsPort: port,
      alpha: rsAlpha,
      virtualhost: r.virtualhost ?? d.virtualhost ?? null,
      logAllFailures: input.logAllFailures,
      trackFiles: input.trackFiles,
    };
    const errorsBefore = errorCount(sink);
    const checkers = r.checkers.flatMap((c) => completeChecker(c, ctx, sink));
    if (errorCount(sink) > errorsBefore) ok = false;
    realServers.push({
      address: r.address,
      family: r.family,
      port,
      weight,
      method,
      upperThreshold: upper,
      lowerThreshold: lower,
      inhibitOnFailure: r.inhibitOnFailure ?? inhibit,
      alpha: rsAlpha,
      notifyUp: r.notifyUp ?? null,
      notifyDown: r.notifyDown ?? null,
      checkers,
      source: r.source,
    });
  }

  let sorryServer: SorryServerConfig | null = null;
  if (d.sorryServer) {
    const s = d.sorryServer;
    const method = methodOf(s.method);
    if (method.kind !== 'TUN' && s.family !== family) {
      sink.error(s.source, `${tag}: address family of the virtual server and sorry server ${s.address} don't match`);
      ok = false;
    } else {
      const port = destPort(d, s, method, 'sorry server', sink);
      let sorryInhibit = s.inhibit;
      const twin = realServers.find((r) => r.address === s.address && r.port === port);
      if (twin && twin.inhibitOnFailure !== sorryInhibit) {
        sink.warning(s.source, `${tag}: real server ${rsLabel(twin)} matches the sorry server, but inhibit setting differs - ${twin.inhibitOnFailure ? 'setting' : 'clearing'} it on the sorry server`);
        sorryInhibit = twin.inhibitOnFailure;
      }
      sorryServer = { address: s.address, family: s.family, port, method, inhibit: sorryInhibit };
    }
  }

  // Quorum counts weight (lvs.md §2.5): capped at the total, hysteresis below it (check_data.c:1265-1280).
  let quorum = d.quorum ?? VS_DEFAULTS.quorum;
  if (quorum > weightSum) {
    sink.warning(d.source, `${tag}: quorum ${quorum} exceeds the total weight of the real servers ${weightSum}, reducing quorum to ${weightSum}`);
    quorum = weightSum;
  }
  let hysteresis = d.hysteresis ?? 0;
  if (hysteresis > 0 && hysteresis >= quorum) {
    const capped = Math.max(0, quorum - 1);
    sink.warning(d.source, `${tag}: hysteresis ${hysteresis} >= quorum ${quorum}; setting hysteresis to ${capped}`);
    hysteresis = capped;
  }

  if (!ok) return null;
  return {
    id: identity(d, family, protocol, ordinal),
    name: d.name,
    keys: keysOf(d, group, family, protocol),
    group: group?.name ?? null,
    protocol,
    scheduler,
    schedulerFlags: d.schedulerFlags,
    onePacket,
    method: vsMethod ?? NAT,
    persistence,
    delayLoopMs: d.delayLoopMs ?? VS_DEFAULTS.delayLoopMs,
    quorum,
    hysteresis,
    quorumUp: d.quorumUp ?? null,
    quorumDown: d.quorumDown ?? null,
    sorryServer,
    inhibitOnFailure: inhibit,
    alpha,
    omega: d.omega ?? false,
    haSuspend,
    virtualhost: d.virtualhost ?? null,
    realServers,
    source: d.source,
  };
}

/** A group as the config shows it: fwmarks without a family take the family of the group's addresses, else IPv4. */
function groupConfig(g: VirtualServerGroupDraft): VirtualServerGroupConfig {
  const fam = g.members.find((m) => m.kind === 'address')?.family ?? 'inet';
  return { name: g.name, members: g.members.map((m) => (m.kind === 'fwmark' ? { ...m, family: m.family ?? fam } : m)), source: g.source };
}

export function completeVirtualServers(
  input: LvsCompleteInput,
  sink: DiagnosticSink,
): { virtualServers: VirtualServerConfig[]; groups: VirtualServerGroupConfig[] } {
  const groups = new Map<string, VirtualServerGroupDraft>();
  for (const g of input.groups) {
    const first = groups.get(g.name);
    if (first) sink.error(g.source, `duplicate virtual_server_group '${g.name}' (first defined at ${first.source.file}:${first.source.line})`);
    else groups.set(g.name, g);
  }
  const ordinals = new Map<string, number>();
  const out: VirtualServerConfig[] = [];
  const ids = new Map<string, SourceRef>();
  for (const d of input.virtualServers) {
    let ordinal = 0;
    if (d.head.kind === 'group') {
      ordinal = ordinals.get(d.head.group) ?? 0;
      ordinals.set(d.head.group, ordinal + 1);
    }
    const vs = completeOne(d, groups, ordinal, input, sink);
    if (!vs) continue;
    const dup = ids.get(vs.id);
    if (dup) {
      sink.error(vs.source, `virtual_server ${vs.name}: the same service (${vs.id}) is already defined at ${dup.file}:${dup.line}`);
      continue;
    }
    ids.set(vs.id, vs.source);
    out.push(vs);
  }
  return { virtualServers: out, groups: [...groups.values()].map(groupConfig) };
}
