// Derive the codec's inputs from InstanceParams, so the runner encodes and validates exactly what the
// state machine was configured with (one source of truth for VIP lists and intervals).
import { AUTH_DATA_LEN, AUTH_NONE } from './constants.js';
import type { AdvertFields } from './codec.js';
import type { InstanceParams } from './types.js';
import type { ValidationView } from './validate.js';

/** v2 authentication (v3 has none). `password` is truncated / NUL-padded to 8 bytes like keepalived. */
export interface AuthParams {
  readonly type: number;
  readonly password?: string | Uint8Array;
}

export function authData(auth: AuthParams | undefined): Buffer {
  const out = Buffer.alloc(AUTH_DATA_LEN);
  if (auth?.password !== undefined) Buffer.from(auth.password).subarray(0, AUTH_DATA_LEN).copy(out);
  return out;
}

/** Fields for a `sendAdvert { priority }` effect: our own interval and the advertised (non-excluded) VIPs. */
export function advertFields(p: InstanceParams, priority: number, auth?: AuthParams): AdvertFields {
  const v2 = p.version === 2;
  return {
    version: p.version, vrid: p.vrid, priority, advertIntMs: p.advertIntMs, addresses: p.vips.map((v) => v.address),
    authType: v2 ? (auth?.type ?? AUTH_NONE) : AUTH_NONE, authData: v2 ? authData(auth) : undefined,
  };
}

export function validationView(
  p: InstanceParams,
  opts: { auth?: AuthParams; v3ChecksumAsV2?: boolean; checkUnicastSrc?: boolean } = {},
): ValidationView {
  return {
    vrid: p.vrid, version: p.version, family: p.family, authType: p.version === 2 ? (opts.auth?.type ?? AUTH_NONE) : AUTH_NONE,
    authData: authData(opts.auth), advertIntMs: p.advertIntMs, vips: p.vips.map((v) => v.address),
    unicast: p.unicastPeers.length > 0, v3ChecksumAsV2: opts.v3ChecksumAsV2 ?? false,
    checkUnicastSrc: opts.checkUnicastSrc ?? false, unicastPeers: p.unicastPeers,
  };
}
