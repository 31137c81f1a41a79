// `auth_type AH` on the receive path: the instance's AhSession screens each datagram for the one stateful AH
// check (the sequence number) before its runner sees it; the runner then validates it as usual (ICV and SPI
// included, validate.ts). Sending uses the same session (RunnerOptions.ah): keepalived has one counter for both.
import type { InstanceMetrics } from '../metrics/registry.js';
import type { VrrpPacketMeta } from '../net/types.js';
import { AhSession } from '../vrrp/ahSession.js';
import { AUTH_AH } from '../vrrp/constants.js';
import type { VrrpInstance } from '../vrrp/instance.js';
import type { ValidationView } from '../vrrp/validate.js';
import type { Decoded, ReceivedAdvert } from '../vrrp/codec.js';
import { RateLimitedLog, type Logger } from '../log/logger.js';

export interface AhReceive {
  readonly session: AhSession;
  /** false: dropped here (counted and logged); true: hand the packet (decoded once, packetRouter.ts) to the runner. */
  admit(decoded: Decoded<ReceivedAdvert>, meta: VrrpPacketMeta): boolean;
}

/** The AH receive side of one instance, or undefined when it does not use `auth_type AH`. */
export function ahReceiveFor(
  view: ValidationView,
  instance: VrrpInstance,
  metrics: InstanceMetrics,
  logger: Logger,
  clock: () => number,
): AhReceive | undefined {
  if (view.authType !== AUTH_AH || view.family !== 4 || view.version !== 2) return undefined;
  const session = new AhSession(view);
  const rateLog = new RateLimitedLog(logger);
  return {
    session,
    admit(decoded, meta) {
      const snap = instance.snapshot();
      const reason = session.screen(decoded, {
        state: snap.state, effectivePriority: snap.effectivePriority, sourceAddress: instance.params.sourceAddress,
      });
      if (reason === null) return true;
      metrics.drop(reason);
      // keepalived's wording (vrrp_in_chk_ipsecah), then the sender. Only a decoded AH advert is a replay.
      const seq = 'ok' in decoded ? (decoded.ok.ah?.header.seq ?? 0) : 0;
      rateLog.warn(
        `drop:${reason}`,
        `(${instance.name}) IPSEC-AH : sequence number ${seq} already processed. Packet dropped. Local(${session.sequence}) (from ${meta.src ?? '?'})`,
        clock(),
      );
      return false;
    },
  };
}
