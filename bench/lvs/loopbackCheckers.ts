// The TCP_CHECK / HTTP_GET the probe and runner benches point at the loopback listeners (loopbackServers.ts):
// `GET / HTTP/1.0`, 200-299, delay_loop 1 s.
import type { CheckerCommon, CheckerConfig } from '../../src/config/lvsTypes.js';
import { tcpCheck } from '../../test/unit/lvs/shell/fakes.js';

export function loopbackChecker(kind: 'tcp' | 'http', port: number, over: Partial<CheckerCommon> = {}): CheckerConfig {
  const tcp = tcpCheck('127.0.0.1', port, { delayLoopMs: 1000, delayBeforeRetryMs: 1000, ...over });
  if (kind === 'tcp') return tcp;
  return {
    ...tcp,
    type: 'HTTP_GET',
    urls: [{ path: '/', digest: null, statusCodes: [[200, 299]], virtualhost: null, regex: null, regexNoMatch: false }],
    httpProtocol: '1.0',
    virtualhost: null,
    fastRecovery: false,
    enableSni: false,
    verifyCertificate: false,
  } as CheckerConfig;
}
