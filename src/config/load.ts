// loadConfig: the one entry point. Reads the file (and includes), builds the tree, applies the keyword tables,
// completes defaults, cross-checks, and returns every diagnostic. `config` is null when any error was found.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiagnosticSink, type Diagnostic } from './diagnostics.js';
import { completeConntrack, completeGlobal, completeInstance, completeScript, completeTrackFile } from './complete.js';
import { emptyDraft } from './drafts.js';
import { customSources } from './includes.js';
import { rootKeywords } from './keywords/root.js';
import { iproute2Names } from './iproute2Names.js';
import { lex } from './lexer.js';
import { applyTable } from './table.js';
import { buildTree } from './tree.js';
import type { Config, VrrpInstanceConfig } from './types.js';
import { completeVirtualServers } from './lvsComplete.js';
import { completeLvsGlobal } from './lvsGlobalComplete.js';
import { checkConntrackSync, checkDuplicates, checkSomethingToRun, checkSyncGroups, checkTrackRefs, checkVridClash } from './validate.js';
import type { ParseCtx } from './values.js';
import type { ConntrackSyncConfig, TrackFileConfig, VrrpScriptConfig } from './types.js';

export interface LoadOptions {
  /** For `@ID` lines; default: the first label of the host name, as keepalived (-i/--config-id). */
  configId?: string;
  /**
   * Findings keepalived only warns about become errors: unknown keywords, an include that matches nothing,
   * a configuration with nothing to run.
   */
  strict?: boolean;
  /** Read a file (throw when it cannot be read). Default: fs.readFileSync(p, 'utf8'). */
  readFile?: (p: string) => string;
  /** Expand an absolute include pattern to existing paths, sorted. Default: built-in glob over the real fs. */
  glob?: (pattern: string) => string[];
  /** Environment for ${_ENV NAME}. Default: process.env. */
  env?: (name: string) => string | undefined;
}

export interface LoadResult {
  readonly config: Config | null;
  readonly diagnostics: readonly Diagnostic[];
}

function deepFreeze<T>(o: T): T {
  // Buffers (UDP_CHECK payloads) cannot be frozen (TypeError on typed arrays with elements); they stay as built.
  if (o && typeof o === 'object' && !ArrayBuffer.isView(o) && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

/** Stable order: files in first-seen order, then by line; cross-object findings stay next to their lines. */
function sortDiagnostics(items: readonly Diagnostic[]): Diagnostic[] {
  const fileOrder = new Map<string, number>();
  for (const d of items) if (!fileOrder.has(d.file)) fileOrder.set(d.file, fileOrder.size);
  return items
    .map((d, i) => ({ d, i }))
    .sort((a, b) => fileOrder.get(a.d.file)! - fileOrder.get(b.d.file)! || a.d.line - b.d.line || a.i - b.i)
    .map((x) => x.d);
}

/** A system file that may be absent (keepalived reads /etc/iproute2 files only when they exist). */
function readOptional(readFile: ((p: string) => string) | undefined, p: string): string | null {
  try {
    return readFile ? readFile(p) : fs.readFileSync(p, 'utf8');
  } catch {
    return null;
  }
}

/** keepalived vrrp_iprule.c RULE_START_PRIORITY: rules without a preference get 16384, 16383… per family. */
function rulePreferenceCounter(): (family: 'inet' | 'inet6') => number {
  const next = { inet: 16384, inet6: 16384 };
  return (family) => next[family]--;
}

export function defaultConfigId(): string {
  return os.hostname().split('.')[0] ?? '';
}

export function loadConfig(file: string, opts: LoadOptions = {}): LoadResult {
  const sink = new DiagnosticSink(opts.strict ?? false);
  const main = path.resolve(file);
  const configId = opts.configId ?? defaultConfigId();
  const lines = lex(main, { configId, sources: customSources(opts.readFile, opts.glob), env: opts.env }, sink);
  const tree = buildTree(lines, sink);
  const draft = emptyDraft();
  const ctx: ParseCtx = {
    sink,
    configDir: path.dirname(main),
    iproute2: iproute2Names((name) => readOptional(opts.readFile, `/etc/iproute2/${name}`)),
    nextRulePreference: rulePreferenceCounter(),
  };
  applyTable(tree, rootKeywords, draft, ctx, '');

  const global = completeGlobal(draft.global, sink);
  checkDuplicates(draft.instances, 'vrrp_instance', sink);
  checkDuplicates(draft.syncGroups, 'vrrp_sync_group', sink);
  checkDuplicates(draft.scripts, 'vrrp_script', sink);
  checkDuplicates(draft.trackFiles, 'track_file', sink);
  checkDuplicates(draft.conntrackSync, 'vipd_conntrack_sync', sink);

  const instanceNames = new Set(draft.instances.map((i) => i.name));
  const scriptNames = new Set(draft.scripts.map((s) => s.name));
  const trackFileNames = new Set(draft.trackFiles.map((t) => t.name));
  const { groups, memberOf } = checkSyncGroups(draft.syncGroups, instanceNames, sink);

  const instances: VrrpInstanceConfig[] = [];
  for (const d of draft.instances) {
    checkTrackRefs(`(${d.name})`, d, scriptNames, trackFileNames, sink);
    const inst = completeInstance(d, global, sink);
    if (inst) instances.push({ ...inst, syncGroup: memberOf.get(d.name) ?? null });
  }
  for (const g of groups) checkTrackRefs(`(${g.name})`, g, scriptNames, trackFileNames, sink);
  checkVridClash(instances, sink);

  const scripts = draft.scripts.map((s) => completeScript(s, sink)).filter((s): s is VrrpScriptConfig => s !== null);
  const trackFiles = draft.trackFiles.map((t) => completeTrackFile(t, sink)).filter((t): t is TrackFileConfig => t !== null);
  const conntrackSync = draft.conntrackSync.map((c) => completeConntrack(c, sink)).filter((c): c is ConntrackSyncConfig => c !== null);
  checkConntrackSync(conntrackSync, instanceNames, new Set(groups.map((g) => g.name)), sink);

  const lvs = completeLvsGlobal(draft.global.lvs, draft.instances, sink);
  const { virtualServers, groups: virtualServerGroups } = completeVirtualServers(
    {
      virtualServers: draft.lvs.virtualServers,
      groups: draft.lvs.groups,
      trackFiles: new Map(trackFiles.map((t) => [t.name, t])),
      logAllFailures: lvs.logAllFailures,
    },
    sink,
  );

  checkSomethingToRun(main, draft.instances.length + draft.staticRoutes.length + draft.staticRules.length + draft.lvs.virtualServers.length, sink);

  const config: Config = {
    sourceFile: main,
    configId,
    global,
    instances,
    syncGroups: groups,
    scripts,
    trackFiles,
    virtualServers,
    virtualServerGroups,
    lvs,
    conntrackSync,
    staticRoutes: draft.staticRoutes,
    staticRules: draft.staticRules,
  };
  const diagnostics = sortDiagnostics(sink.items);
  return { config: sink.hasErrors() ? null : deepFreeze(config), diagnostics };
}
