// Drafts → readonly config objects, applying keepalived's defaults and per-instance rules the way
// vrrp_complete_instance does (keepalived/vrrp/vrrp.c:3235-3770): family and version, priority/state
// defaults, advert_int per version, auth vs v3, nopreempt/preempt_delay vs MASTER, strict-mode implications.
import type { DiagnosticSink } from './diagnostics.js';
import type { ConntrackDraft, GarpDraft, GlobalDraft, InstanceDraft, NotifyDraft, ScriptDraft, TrackFileDraft } from './drafts.js';
import { CONNTRACK_DEFAULTS } from './keywords/conntrack.js';
import type {
  AddressFamily,
  ConntrackSyncConfig,
  GarpSettings,
  GlobalDefs,
  NotifyScripts,
  TrackFileConfig,
  VrrpInstanceConfig,
  VrrpScriptConfig,
} from './types.js';
import { isMulticast, parseAddress } from './values.js';

export const DEFAULTS = {
  priority: 100,
  ownerPriority: 255,
  advertIntS: 1,
  vrrpVersion: 2,
  mcastGroup4: '224.0.0.18',
  mcastGroup6: 'ff02::12',
  garpMasterDelayMs: 5000,
  garpMasterRepeat: 5,
  garpMasterRefreshMs: 0,
  garpMasterRefreshRepeat: 1,
  downTimerAdverts: 3,
  unicastTtl: 255,
  scriptIntervalMs: 1000,
} as const;

const FAMILY_NAME: Record<AddressFamily, string> = { inet: 'IPv4', inet6: 'IPv6' };

export function completeGlobal(g: GlobalDraft, sink: DiagnosticSink): GlobalDefs {
  const strict = g.strict !== undefined;
  if (g.strict) {
    sink.warning(
      g.strict,
      'vrrp_strict: vipd applies strict mode protocol rules (no authentication, no preempt_delay, ' +
        'lower_prio_no_advert, no lower-priority GARP repeats) but installs NO firewall rules dropping traffic to ' +
        'VIPs on non-owners, unlike keepalived',
    );
  }
  const masterDelayMs = g.garp.masterDelayMs ?? DEFAULTS.garpMasterDelayMs;
  const masterRepeat = g.garp.masterRepeat ?? DEFAULTS.garpMasterRepeat;
  return {
    routerId: g.routerId ?? null,
    vrrpVersion: g.vrrpVersion ?? DEFAULTS.vrrpVersion,
    garp: {
      masterDelayMs,
      masterRepeat,
      masterRefreshMs: g.garp.masterRefreshMs ?? DEFAULTS.garpMasterRefreshMs,
      masterRefreshRepeat: g.garp.masterRefreshRepeat ?? DEFAULTS.garpMasterRefreshRepeat,
      lowerPrioDelayMs: g.garp.lowerPrioDelayMs ?? masterDelayMs,
      lowerPrioRepeat: g.garp.lowerPrioRepeat ?? (strict ? 0 : masterRepeat),
    },
    lowerPrioNoAdvert: strict ? true : (g.lowerPrioNoAdvert ?? false),
    higherPrioSendAdvert: strict ? false : (g.higherPrioSendAdvert ?? false),
    mcastGroup4: g.mcastGroup4 ?? DEFAULTS.mcastGroup4,
    mcastGroup6: g.mcastGroup6 ?? DEFAULTS.mcastGroup6,
    downTimerAdverts: g.downTimerAdverts ?? DEFAULTS.downTimerAdverts,
    strict,
    enableScriptSecurity: g.enableScriptSecurity ?? false,
    scriptUser: g.scriptUser ?? null,
    notifyFifo: g.notifyFifo ?? null,
    vrrpNotifyFifo: g.vrrpNotifyFifo ?? null,
    skipCheckAdvAddr: g.skipCheckAdvAddr ?? false,
    checkUnicastSrc: g.checkUnicastSrc ?? false,
    defaultInterface: g.defaultInterface ?? null,
    netNamespace: g.netNamespace ?? null,
  };
}

export function completeNotify(n: NotifyDraft): NotifyScripts {
  return {
    master: n.master ?? null,
    backup: n.backup ?? null,
    fault: n.fault ?? null,
    stop: n.stop ?? null,
    generic: n.generic ?? null,
    masterRxLowerPri: n.masterRxLowerPri ?? null,
  };
}

function instanceGarp(own: GarpDraft, global: GlobalDefs, strict: boolean): GarpSettings {
  const masterDelayMs = own.masterDelayMs ?? global.garp.masterDelayMs;
  const masterRepeat = own.masterRepeat ?? global.garp.masterRepeat;
  return {
    masterDelayMs,
    masterRepeat,
    masterRefreshMs: own.masterRefreshMs ?? global.garp.masterRefreshMs,
    masterRefreshRepeat: own.masterRefreshRepeat ?? global.garp.masterRefreshRepeat,
    lowerPrioDelayMs: own.lowerPrioDelayMs ?? global.garp.lowerPrioDelayMs,
    lowerPrioRepeat: strict ? 0 : (own.lowerPrioRepeat ?? global.garp.lowerPrioRepeat),
  };
}

/** null when a required value is missing (an error has been reported). */
export function completeInstance(d: InstanceDraft, global: GlobalDefs, sink: DiagnosticSink): VrrpInstanceConfig | null {
  const tag = `(${d.name})`;
  let ok = true;
  const iface = d.interface ?? global.defaultInterface;
  if (iface === null) {
    sink.error(d.source, `${tag} no interface given (interface is required)`);
    ok = false;
  }
  if (d.vrid === undefined) {
    if (!d.vridInvalid) sink.error(d.source, `${tag} the virtual_router_id must be set`);
    ok = false;
  }

  // Family: from the first VIP (keepalived sets it when parsing virtual_ipaddress), native_ipv6 forces IPv6.
  const family: AddressFamily = d.nativeIpv6 ? 'inet6' : (d.vips[0]?.family ?? d.unicastPeers[0]?.family ?? 'inet');
  if (d.nativeIpv6) sink.warning(d.nativeIpv6, `${tag} native_ipv6 is deprecated; IPv6 VIPs select IPv6 by themselves`);
  const vips = d.vips.filter((v) => {
    if (v.family === family) return true;
    sink.error(v.source, `${tag} address family of ${v.address} does not match the instance (${FAMILY_NAME[family]})`);
    return false;
  });
  if (d.vips.length === 0) {
    sink.warning(d.source, `${tag} no virtual_ipaddress: the instance takes part in elections but moves no address`);
  }

  // Version: IPv6 is VRRPv3 only (RFC 5798); else instance `version`, else global vrrp_version (default 2).
  let version = d.version?.value ?? global.vrrpVersion;
  if (family === 'inet6' && version === 2) {
    if (d.version) sink.warning(d.version.source, `${tag} cannot use IPv6 with VRRP version 2; setting version 3`);
    version = 3;
  }

  const strict = d.strict ?? global.strict;

  // Priority and initial state (vrrp.c:3302-3312).
  let priority = d.priority ?? (d.state?.value === 'MASTER' ? DEFAULTS.ownerPriority : DEFAULTS.priority);
  let initialState = d.state?.value ?? (priority === DEFAULTS.ownerPriority ? 'MASTER' : 'BACKUP');
  if (strict && (initialState === 'MASTER') !== (priority === DEFAULTS.ownerPriority)) {
    sink.warning(d.state?.source ?? d.source, `${tag} State MASTER must match being address owner (strict mode)`);
    initialState = priority === DEFAULTS.ownerPriority ? 'MASTER' : 'BACKUP';
  }

  // Advertisement interval (vrrp.c:3715-3765): v2 whole seconds below 256; v3 centiseconds up to 40.95 s.
  const advS = d.advertIntS?.value ?? DEFAULTS.advertIntS;
  const advAt = d.advertIntS?.source ?? d.source;
  let advertIntMs: number;
  if (version === 2) {
    if (!Number.isInteger(advS)) {
      sink.error(advAt, `${tag} VRRPv2 advertisement interval ${advS}s must be an integer (use version 3 for sub-second intervals)`);
      ok = false;
    }
    advertIntMs = Math.max(1, Math.round(advS)) * 1000;
  } else {
    if (advS > 40.95) {
      sink.error(advAt, `${tag} VRRPv3 advertisement interval ${advS}s is out of range [0.01, 40.95]`);
      ok = false;
    }
    const cs = Math.min(4095, Math.max(1, Math.round(advS * 100)));
    if (Math.abs(cs / 100 - advS) > 1e-9 && advS <= 40.95) {
      sink.warning(advAt, `${tag} VRRPv3 advertisement interval ${advS}s must be in units of 10ms - rounding to ${cs / 100}s`);
    }
    advertIntMs = cs * 10;
  }

  // Authentication: v2 only, AH IPv4 only (vrrp.c:3321-3344; v2.2.7 vrrp_complete_instance, same order and wording).
  let auth = d.auth?.value ?? null;
  if (auth && d.auth) {
    if (strict) {
      sink.warning(d.auth.source, `${tag} Strict mode does not support authentication. Ignoring.`);
      auth = null;
    } else if (version === 3) {
      sink.warning(d.auth.source, `${tag} VRRP version 3 does not support authentication. Ignoring.`);
      auth = null;
    } else if (auth.type === 'AH' && family === 'inet6') {
      sink.warning(d.auth.source, `${tag} Cannot use AH authentication with IPv6. ignoring`);
      auth = null;
    } else if (auth.type === 'AH' && initialState === 'MASTER' && priority !== DEFAULTS.ownerPriority) {
      sink.warning(d.auth.source, `${tag} Initial state master is incompatible with AH authentication - clearing`);
      initialState = 'BACKUP';
    }
  }

  // nopreempt / preempt_delay (vrrp.c:3536-3565).
  let nopreempt = d.nopreempt !== undefined;
  let preemptDelayMs = d.preemptDelayMs?.value ?? 0;
  if (nopreempt && priority === DEFAULTS.ownerPriority) {
    sink.warning(d.nopreempt!, `${tag} nopreempt is incompatible with priority 255. resetting nopreempt`);
    nopreempt = false;
  }
  if (initialState === 'MASTER') {
    if (nopreempt) {
      sink.warning(d.nopreempt!, `${tag} Warning - nopreempt will not work with initial state MASTER - clearing`);
      nopreempt = false;
    }
    if (preemptDelayMs > 0) {
      sink.warning(d.preemptDelayMs!.source, `${tag} Warning - preempt delay will not work with initial state MASTER - clearing`);
      preemptDelayMs = 0;
    }
  }
  if (preemptDelayMs > 0 && strict) {
    sink.warning(d.preemptDelayMs!.source, `${tag} preempt_delay is incompatible with strict mode - resetting`);
    preemptDelayMs = 0;
  }

  // Addresses must match the instance family.
  const sameFamily = (addr: string | undefined, what: string): string | null => {
    if (addr === undefined) return null;
    const a = parseAddress(addr);
    if (a && a.family !== family) {
      sink.error(d.source, `${tag} ${what} ${addr} is not ${FAMILY_NAME[family]} like the instance`);
      ok = false;
    }
    return addr;
  };
  const unicastSrcIp = sameFamily(d.unicastSrcIp, 'unicast_src_ip');
  const mcastSrcIp = sameFamily(d.mcastSrcIp, 'mcast_src_ip');
  for (const p of d.unicastPeers) {
    if (p.family !== family) {
      sink.error(p.source, `${tag} unicast peer ${p.address} is not ${FAMILY_NAME[family]} like the instance`);
      ok = false;
    }
  }
  if (unicastSrcIp !== null && d.unicastPeers.length === 0) {
    sink.warning(d.source, `${tag} unicast_src_ip given without any unicast_peer: using multicast`);
  }
  let mcastGroup = family === 'inet' ? global.mcastGroup4 : global.mcastGroup6;
  if (d.mcastDstIp !== undefined) {
    const a = parseAddress(d.mcastDstIp);
    if (!a || a.family !== family || !isMulticast(a)) {
      sink.error(d.source, `${tag} mcast_dst_ip ${d.mcastDstIp} is not an ${FAMILY_NAME[family]} multicast address`);
      ok = false;
    } else mcastGroup = a.address;
  }

  if (!ok || iface === null || d.vrid === undefined) return null;
  return {
    name: d.name,
    source: d.source,
    initialState,
    interface: iface,
    vrid: d.vrid,
    priority,
    version,
    family,
    advertIntMs,
    vips,
    excludedVips: d.excludedVips,
    virtualRoutes: d.virtualRoutes,
    nopreempt,
    preemptDelayMs,
    auth,
    unicastSrcIp,
    unicastPeers: d.unicastPeers,
    unicastTtl: d.unicastTtl ?? DEFAULTS.unicastTtl,
    mcastSrcIp,
    mcastGroup,
    garp: instanceGarp(d.garp, global, strict),
    lowerPrioNoAdvert: strict ? true : (d.lowerPrioNoAdvert ?? global.lowerPrioNoAdvert),
    higherPrioSendAdvert: strict ? false : (d.higherPrioSendAdvert ?? global.higherPrioSendAdvert),
    trackInterfaces: d.trackInterfaces,
    trackScripts: d.trackScripts,
    trackFiles: d.trackFiles,
    dontTrackPrimary: d.dontTrackPrimary ?? false,
    vmac: d.vmac ? { name: d.vmac.name, xmitBase: d.vmacXmitBase ?? false } : null,
    notify: completeNotify(d.notify),
    smtpAlert: d.smtpAlert ?? false,
    debugLevel: d.debugLevel ?? 0,
    v3ChecksumAsV2: d.v3ChecksumAsV2 ?? false,
    nativeIpv6: d.nativeIpv6 !== undefined,
    downTimerAdverts: strict ? 3 : (d.downTimerAdverts ?? global.downTimerAdverts),
    skipCheckAdvAddr: d.skipCheckAdvAddr ?? global.skipCheckAdvAddr,
    checkUnicastSrc: d.checkUnicastSrc ?? global.checkUnicastSrc,
    strict,
    syncGroup: null,
  };
}

export function completeScript(d: ScriptDraft, sink: DiagnosticSink): VrrpScriptConfig | null {
  if (!d.script) {
    sink.error(d.source, `vrrp_script ${d.name}: no script given`);
    return null;
  }
  const intervalMs = d.intervalMs ?? DEFAULTS.scriptIntervalMs;
  return {
    name: d.name,
    source: d.source,
    script: d.script,
    intervalMs,
    timeoutMs: d.timeoutMs ?? intervalMs,
    weight: d.weight ?? 0,
    weightReverse: d.weightReverse ?? false,
    rise: d.rise ?? 1,
    fall: d.fall ?? 1,
    user: d.user ?? null,
    initFail: d.initFail ?? false,
  };
}

export function completeTrackFile(d: TrackFileDraft, sink: DiagnosticSink): TrackFileConfig | null {
  if (!d.path) {
    sink.error(d.source, `track_file ${d.name}: no file given`);
    return null;
  }
  return {
    name: d.name,
    source: d.source,
    path: d.path,
    weight: d.weight ?? 1,
    weightReverse: d.weightReverse ?? false,
    initFile: d.initFile ?? null,
  };
}

export function completeConntrack(d: ConntrackDraft, sink: DiagnosticSink): ConntrackSyncConfig | null {
  const tag = `vipd_conntrack_sync ${d.name}:`;
  let ok = true;
  const need = (v: unknown, what: string): void => {
    if (v === undefined) {
      sink.error(d.source, `${tag} ${what} is required`);
      ok = false;
    }
  };
  need(d.interface, 'interface');
  need(d.keyFile, 'key_file');
  need(d.follow, 'follow_instance or follow_group');
  if (d.peers.length > 0 && d.mcastGroup !== undefined) {
    sink.error(d.source, `${tag} give either mcast_group or peer lines, not both`);
    ok = false;
  }
  const families = new Set(d.peers.map((p) => parseAddress(p)?.family));
  if (families.size > 1) {
    sink.error(d.source, `${tag} peers mix IPv4 and IPv6`);
    ok = false;
  }
  if (!ok || !d.interface || !d.keyFile || !d.follow) return null;
  const peerFamily = [...families][0];
  const mcastGroup =
    d.peers.length > 0
      ? null
      : (d.mcastGroup ?? (peerFamily === 'inet6' ? CONNTRACK_DEFAULTS.mcastGroup6 : CONNTRACK_DEFAULTS.mcastGroup4));
  return {
    name: d.name,
    source: d.source,
    interface: d.interface,
    mcastGroup,
    port: d.port ?? CONNTRACK_DEFAULTS.port,
    peers: d.peers,
    sourceAddress: d.sourceAddress ?? null,
    keyFile: d.keyFile,
    follow: { kind: d.follow.kind, name: d.follow.name },
    filters: d.filters,
    filterDefault: d.filterDefault ?? 'accept',
    resyncTimeoutMs: d.resyncTimeoutMs ?? CONNTRACK_DEFAULTS.resyncTimeoutMs,
    ttl: d.ttl ?? CONNTRACK_DEFAULTS.ttl,
  };
}
