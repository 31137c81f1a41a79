// use_vmac in the daemon: which VMAC each instance gets (names, MACs), creating them before the instances are
// planned and deleting the ones no instance wants any more (reload, stop). The OS work is the DirectorOs' vmac
// port (src/net/vmac.ts); everything here is bookkeeping.
import type { VrrpInstanceConfig } from '../config/types.js';
import type { AddressInfo, LinkInfo } from '../net/rtnetlink.js';
import { defaultVmacName, vmacAddress, type VmacSpec } from '../net/vmac.js';
import { linkLocalIpv6, primaryIpv4 } from '../net/rtnetlink.js';
import { sourceAddressFor } from './instanceParams.js';
import type { VmacPort } from './ports.js';
import type { Logger } from '../log/logger.js';
import { VipdError } from '../errors/vipdError.js';

/**
 * VMAC interface name per instance: the configured one, else `vrrp.<VRID>`; when two instances would share a
 * default name (same VRID for IPv4 and IPv6), the IPv6 one gets `vrrp6.<VRID>`, then `vrrp1.`, `vrrp2.` …
 * like keepalived's create_vmac_name (vrrp.c:2775-2828).
 */
export function vmacNames(instances: readonly VrrpInstanceConfig[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set(instances.flatMap((i) => (i.vmac?.name ? [i.vmac.name] : [])));
  for (const i of instances) if (i.vmac?.name) out.set(i.name, i.vmac.name);
  for (const i of instances) {
    if (!i.vmac || i.vmac.name) continue;
    const candidates = [defaultVmacName(i.vrid)];
    const nums = i.family === 'inet6' ? [6, 1, 2, 3, 4, 5, 7, 8, 9] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
    for (const n of nums) candidates.push(`vrrp${n}.${i.vrid}`);
    const name = candidates.find((c) => !used.has(c)) ?? candidates[0]!;
    used.add(name);
    out.set(i.name, name);
  }
  return out;
}

export function vmacSpecFor(
  cfg: VrrpInstanceConfig,
  name: string,
  links: readonly LinkInfo[],
  addresses: readonly AddressInfo[],
): VmacSpec | { error: string } {
  const base = links.find((l) => l.name === cfg.interface);
  if (!base) return { error: `(${cfg.name}) interface ${cfg.interface} does not exist` };
  // keepalived: "vmacs are only supported on Ethernet type interfaces" (vrrp.c:3008-3018).
  if (base.linkType !== 1) return { error: `(${cfg.name}) use_vmac: ${cfg.interface} is not an Ethernet interface` };
  const family = cfg.family === 'inet' ? 4 : 6;
  const spec: VmacSpec = { name, parentIfindex: base.ifindex, parentName: base.name, mac: vmacAddress(cfg.vrid, family), family };
  if (family === 4 || cfg.vmac?.xmitBase) return spec;
  // IPv6 adverts from the VMAC need a link-local source on it: the base's (vrrp_vmac.c:230-247).
  const src = sourceAddressFor(cfg, {
    ifname: base.name,
    primaryIpv4: primaryIpv4(addresses, base.ifindex),
    linkLocalIpv6: linkLocalIpv6(addresses, base.ifindex),
  });
  if (typeof src !== 'string') return src;
  return { ...spec, linkLocal: src };
}

/** The daemon's VMACs: created before planning, removed when no instance of the running config wants them. */
export class DaemonVmacs {
  private names = new Map<string, string>();
  private readonly live = new Set<string>();

  constructor(
    private readonly port: VmacPort | undefined,
    private readonly logger: Logger,
  ) {
    port?.setLog?.((msg) => logger.info(msg));
  }

  /** VMAC interface name of an instance of the config last passed to ensure(), or null without use_vmac. */
  nameOf(cfg: VrrpInstanceConfig): string | null {
    return cfg.vmac ? (this.names.get(cfg.name) ?? null) : null;
  }

  /**
   * Create (or adopt) the VMACs of `starting` instances, names taken from the whole `config`. Returns whether
   * anything was created, i.e. whether links must be listed again. Throws VipdError naming every problem.
   */
  async ensure(
    all: readonly VrrpInstanceConfig[],
    starting: readonly VrrpInstanceConfig[],
    env: { links: readonly LinkInfo[]; addresses: readonly AddressInfo[] },
  ): Promise<boolean> {
    this.names = vmacNames(all);
    const wanted = starting.filter((c) => c.vmac);
    if (wanted.length === 0) return false;
    if (!this.port) throw new VipdError('VIPD_ERR_STARTUP', 'use_vmac is not supported by this OS adapter');
    const problems: string[] = [];
    for (const cfg of wanted) {
      const name = this.names.get(cfg.name)!;
      const spec = vmacSpecFor(cfg, name, env.links, env.addresses);
      if ('error' in spec) {
        problems.push(spec.error);
        continue;
      }
      try {
        const link = await this.port.ensure(spec);
        this.live.add(name);
        this.logger.info(`(${cfg.name}) VMAC ${name} (${link.mac ?? spec.mac}) up on ${cfg.interface}`);
      } catch (err) {
        problems.push(`(${cfg.name}) Unable to create VMAC interface ${name}: ${(err as Error).message}`);
      }
    }
    if (problems.length) throw new VipdError('VIPD_ERR_STARTUP', problems.join('\n'));
    return true;
  }

  /** Delete the VMACs no instance of `keep` uses. Returns the names removed. */
  async releaseExcept(keep: readonly VrrpInstanceConfig[]): Promise<string[]> {
    const wanted = new Set(keep.flatMap((c) => (c.vmac && this.names.get(c.name) ? [this.names.get(c.name)!] : [])));
    const gone = [...this.live].filter((n) => !wanted.has(n));
    for (const name of gone) {
      this.live.delete(name);
      try {
        await this.port?.remove(name);
        this.logger.info(`VMAC ${name} removed`);
      } catch (err) {
        this.logger.error(`Deleting VMAC interface ${name} failed: ${(err as Error).message}`);
      }
    }
    return gone;
  }
}
