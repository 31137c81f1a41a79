// Hand-built LVS configs for the core's tests (the config parser is another helper's; these follow the typed
// shape of src/config/lvsTypes.ts with keepalived's defaults from lvs.md §1.2-1.3 filled in by hand).
import { DEFAULT_LVS_GLOBAL } from '../../../../src/lvs/shell/lvsConfig.js';
import type { CheckerConfig, LvsGlobalConfig, RealServerConfig, VirtualServerConfig } from '../../../../src/config/lvsTypes.js';
import type { LvsCoreConfig } from '../../../../src/lvs/core/types.js';
import { LvsCore } from '../../../../src/lvs/core/lvsCore.js';
import type { LvsEffect } from '../../../../src/lvs/core/types.js';
import type { LvsOp } from '../../../../src/lvs/model.js';

const src = { file: 'keepalived.conf', line: 1 };

export function tcpCheck(address: string, port: number, o: Partial<CheckerConfig> = {}): CheckerConfig {
  return {
    type: 'TCP_CHECK',
    source: src,
    connectIp: address,
    connectPort: port,
    bindTo: null,
    bindPort: null,
    bindIf: null,
    connectTimeoutMs: 5000,
    fwmark: null,
    retry: 1,
    delayBeforeRetryMs: 1000,
    warmupMs: 0,
    delayLoopMs: 10000,
    alpha: false,
    logAllFailures: false,
    ...o,
  } as CheckerConfig;
}

export function miscCheck(address: string, port: number, dynamic: boolean): CheckerConfig {
  return {
    ...(tcpCheck(address, port, { retry: 0 }) as object),
    type: 'MISC_CHECK',
    script: { command: '/bin/check', user: null, group: null },
    timeoutMs: 10000,
    dynamic,
  } as CheckerConfig;
}

export function rs(address: string, port: number, o: Partial<RealServerConfig> = {}): RealServerConfig {
  return {
    address,
    family: 'inet',
    port,
    weight: 1,
    method: { kind: 'NAT' },
    upperThreshold: 0,
    lowerThreshold: 0,
    inhibitOnFailure: false,
    alpha: false,
    notifyUp: { command: `/up ${address}`, user: null, group: null },
    notifyDown: { command: `/down ${address}`, user: null, group: null },
    checkers: [tcpCheck(address, port)],
    source: src,
    ...o,
  };
}

export function vs(address: string, port: number, realServers: RealServerConfig[], o: Partial<VirtualServerConfig> = {}): VirtualServerConfig {
  return {
    id: `TCP:${address}:${port}`,
    name: `${address} ${port}`,
    keys: [{ kind: 'address', family: 'inet', protocol: 'TCP', address, port }],
    group: null,
    protocol: 'TCP',
    scheduler: 'wrr',
    schedulerFlags: [],
    onePacket: false,
    method: { kind: 'NAT' },
    persistence: null,
    delayLoopMs: 10000,
    quorum: 1,
    hysteresis: 0,
    quorumUp: { command: '/quorum-up', user: null, group: null },
    quorumDown: { command: '/quorum-down', user: null, group: null },
    sorryServer: null,
    inhibitOnFailure: false,
    alpha: false,
    omega: false,
    haSuspend: false,
    virtualhost: null,
    realServers,
    source: src,
    ...o,
  };
}

export const GLOBAL: LvsGlobalConfig = DEFAULT_LVS_GLOBAL;

export function config(virtualServers: VirtualServerConfig[], global: Partial<LvsGlobalConfig> = {}): LvsCoreConfig {
  return { virtualServers, global: { ...GLOBAL, ...global } };
}

export function core(c: LvsCoreConfig, random: () => number = () => 0): LvsCore {
  return new LvsCore(c, { random });
}

/** The ops of the effects' `apply`, as short strings: "addDest tcp:10.1.0.100:80 10.2.0.11:80 w3". */
export function opsOf(effects: readonly LvsEffect[]): string[] {
  return effects.flatMap((e) => (e.type === 'apply' ? e.ops.map(opText) : []));
}

export function opText(op: LvsOp): string {
  const svc = op.service.fwmark !== undefined ? `fwm:${op.service.fwmark}` : `${op.service.protocol}:${op.service.address}:${op.service.port}`;
  switch (op.op) {
    case 'addService':
    case 'editService':
      return `${op.op} ${svc} ${op.service.scheduler}`;
    case 'delService':
      return `delService ${svc}`;
    case 'addDest':
    case 'editDest':
      return `${op.op} ${svc} ${op.dest.address}:${op.dest.port} w${op.dest.weight}`;
    case 'delDest':
      return `delDest ${svc} ${op.dest.address}:${op.dest.port}`;
  }
}

/** Notifications as short strings: "RS 10.2.0.11:80 DOWN /down 10.2.0.11", "VS TCP:… UP /quorum-up". */
export function notifiesOf(effects: readonly LvsEffect[]): string[] {
  return effects.flatMap((e) => {
    if (e.type === 'realServerTransition') return [`RS ${e.rs} ${e.up ? 'UP' : 'DOWN'} ${e.script?.command ?? '-'}`];
    if (e.type === 'quorumTransition') return [`VS ${e.vs} ${e.up ? 'UP' : 'DOWN'} ${e.script?.command ?? '-'}${e.sorryServerActive ? ' sorry' : ''}`];
    return [];
  });
}

export function runChecksOf(effects: readonly LvsEffect[]): string[] {
  return effects.flatMap((e) => (e.type === 'runCheck' ? [e.checkId] : []));
}

export const ok = (weight?: number) => ({ ok: true as const, durationMs: 3, ...(weight !== undefined ? { weight } : {}) });
export const fail = (reason: 'refused' | 'local' | 'timeout' = 'refused') => ({ ok: false as const, durationMs: 5, reason, detail: `connect: ${reason}` });

const inFlight = new WeakMap<LvsCore, Set<string>>();

/** Asks for the checks due at `nowMs` (timeout → runCheck) and answers `id`; other asked checks stay in flight. */
export function check(c: LvsCore, id: string, nowMs: number, outcome: ReturnType<typeof ok> | ReturnType<typeof fail>): LvsEffect[] {
  const running = inFlight.get(c) ?? new Set<string>();
  inFlight.set(c, running);
  for (const asked of runChecksOf(c.handle({ type: 'timeout' }, nowMs))) running.add(asked);
  if (!running.delete(id)) throw new Error(`check ${id} not due at ${nowMs}`);
  return c.handle({ type: 'checkResult', checkId: id, outcome }, nowMs);
}
