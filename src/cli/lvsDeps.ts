// The LVS plugin's dependencies, with the engine (lvsEngine.ts) imported on first use: LvsPlugin awaits load()
// before the first virtual server starts, at start or at the reload that adds one. Until then a director runs
// VRRP without the LVS core, checkers, data planes and their modules in memory (issue 12).
import { internalError } from '../errors/vipdError.js';
import type { LvsPluginDeps } from '../lvs/shell/lvsPlugin.js';
import type { LvsEngine } from './lvsEngine.js';

/** Deps whose engine `importEngine` brings (default: a dynamic import of lvsEngine.ts); tests count the calls. */
export function lazyLvsDeps(importEngine: () => Promise<LvsEngine> = async () => (await import('./lvsEngine.js')).LVS_ENGINE): LvsPluginDeps {
  let engine: LvsEngine | null = null;
  let loading: Promise<void> | null = null;
  const loaded = (): LvsEngine => {
    if (engine) return engine;
    throw internalError('the LVS engine was used before LvsPlugin loaded it');
  };
  return {
    load: () =>
      (loading ??= importEngine().then(
        (e) => void (engine = e),
        (err: unknown) => {
          loading = null; // a failed import (a broken install) is retried at the next reload
          throw err;
        },
      )),
    createCore: (cfg) => loaded().createCore(cfg),
    probes: (checker, deps) => loaded().probes(checker, deps),
    openPlane: (global, deps) => loaded().openPlane(global, deps),
    syncDaemon: (cfg, deps) => loaded().syncDaemon(cfg, deps),
  };
}
