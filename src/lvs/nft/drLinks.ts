// The nftables plane's DR state about the director's links (dr.ts, drTopology.ts): which devices the ingress
// chain hooks, which device each DR real server's forward chain names, which real servers no connected network
// holds. For each change it returns the options the rule set needs (egress devices, chains to rewrite because
// their device changed) and the ingress skeleton when a link is new; the plane commits them and then calls
// commit(). It also watches the links and addresses: a director's address on the real servers' network may come
// and go (a VRRP virtual_ipaddress, a late DHCP lease), and the plane refreshes the DR chains when it does.
import type { Clock } from '../../clock/clock.js';
import type { DestSpec } from '../model.js';
import { destId } from '../model.js';
import { drSkeletonCommands } from './dr.js';
import { RtnlDrTopology, type DrTopology } from './drTopology.js';
import { destChain } from './names.js';
import { drOptions, isDrService, type RulesetOptions, type ServiceState } from './ruleset.js';

export interface DrChange {
  /** The rule set options for this change: egress devices and chains to rewrite. */
  readonly o: RulesetOptions;
  /** The ingress skeleton when the chain must hook new devices (or is new to this plane), else []. */
  readonly drHead: string[];
  /** Record what the committed transaction wrote. */
  commit(): void;
}

export class DrLinks {
  /** DR real servers (destId) no connected network of this director holds: not forwarded to, not scheduled. */
  readonly unreachable = new Set<string>();
  /** Times a DR real server became unreachable. */
  unreachableEvents = 0;
  private topology: DrTopology | undefined;
  /** The links the ingress chain hooks as far as this plane knows (pruned to the links there now); null = not yet. */
  private devices: Set<string> | null = null;
  /** destChain → the device its forward chain names (null: none). Absent = as egress says now (adopted). */
  private written = new Map<string, string | null>();
  private unwatch: (() => void) | null = null;

  constructor(
    private readonly clock: Clock,
    topology: DrTopology | undefined,
    private readonly onReachability?: (destId: string, reachable: boolean) => void,
  ) {
    this.topology = topology;
  }

  /** The table was (re)read: the skeleton is re-asserted with the next change, chains are taken as they are. */
  reset(): void {
    this.devices = null;
    this.written.clear();
  }

  /** The DR share of moving the services in `states` (their state after the change). */
  async change(base: RulesetOptions, states: readonly (ServiceState | null)[]): Promise<DrChange> {
    this.topology ??= new RtnlDrTopology(this.clock);
    const dr = states.filter((st): st is ServiceState => isDrService(st));
    const dests: { chain: string; d: DestSpec }[] = dr.flatMap((st) => st.dests.map((d) => ({ chain: destChain(st.spec, d), d })));
    const egress = await this.topology.egress([...new Set(dests.map((x) => x.d.address))]);
    this.noteReachability(dests.map((x) => x.d), egress);
    const rewrite = new Set<string>();
    const writes = new Map<string, string | null>();
    for (const { chain, d } of dests) {
      const now = egress.get(d.address) ?? null;
      const was = this.written.get(chain);
      if (was !== undefined && was !== now) rewrite.add(chain);
      writes.set(chain, now);
    }
    const links = await this.topology.ingressDevices();
    // A link that went away is forgotten, so that it is hooked again if it comes back (a kernel before 6.16 drops
    // the hook of a deleted device for good).
    const known = this.devices === null ? null : new Set(links.filter((l) => this.devices!.has(l)));
    this.devices = known;
    const grown = known === null || links.some((l) => !known.has(l));
    // Name only the links there now: `add chain` adds the missing devices and keeps the hooked ones, and a kernel
    // before 6.16 refuses a device that does not exist (a VMAC deleted since).
    const drHead = dr.length && grown && links.length ? drSkeletonCommands(drOptions(base), links) : [];
    const devices = [...(known ?? []), ...links];
    return {
      o: { ...base, egress, rewrite },
      drHead,
      commit: () => {
        for (const [chain, dev] of writes) this.written.set(chain, dev);
        if (drHead.length) this.devices = new Set(devices);
      },
    };
  }

  /** Removed real servers are no longer unreachable ones. */
  forget(ids: readonly string[]): void {
    for (const id of ids) this.unreachable.delete(id);
  }

  /** Call `onChange` when the director's links or addresses change (once DR is in use). */
  watch(onChange: () => void): void {
    if (this.unwatch) return;
    this.topology ??= new RtnlDrTopology(this.clock);
    this.unwatch = this.topology.watch(onChange);
  }

  close(): void {
    this.unwatch?.();
    this.unwatch = null;
    this.topology?.close();
  }

  private noteReachability(dests: readonly DestSpec[], egress: ReadonlyMap<string, string>): void {
    for (const d of dests) {
      const id = destId(d);
      if (egress.has(d.address)) {
        if (this.unreachable.delete(id)) this.onReachability?.(id, true);
      } else if (!this.unreachable.has(id)) {
        this.unreachable.add(id);
        this.unreachableEvents++;
        this.onReachability?.(id, false);
      }
    }
  }
}
