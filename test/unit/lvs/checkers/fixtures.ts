// CheckerConfig objects written out by hand (every default already applied, as the config layer hands them to
// the probes), and small helpers to run a probe against servers on loopback.
import type { CheckerCommon, CheckerConfig, HttpUrlConfig } from '../../../../src/config/lvsTypes.js';

const source = { file: 'test.conf', line: 1 };

export function common(connectIp: string, connectPort: number, over: Partial<CheckerCommon> = {}): CheckerCommon {
  return {
    source,
    connectIp,
    connectPort,
    bindTo: null,
    bindPort: null,
    bindIf: null,
    connectTimeoutMs: 5000,
    fwmark: null,
    retry: 1,
    delayBeforeRetryMs: 1000,
    warmupMs: 0,
    delayLoopMs: 60000,
    alpha: false,
    logAllFailures: false,
    ...over,
  };
}

type HttpCfg = Extract<CheckerConfig, { type: 'HTTP_GET' | 'SSL_GET' }>;
type Of<T extends CheckerConfig['type']> = Extract<CheckerConfig, { type: T }>;

export const tcpCheck = (ip: string, port: number, over: Partial<CheckerCommon> = {}): Of<'TCP_CHECK'> => ({ ...common(ip, port, over), type: 'TCP_CHECK' });

export const url = (path: string, over: Partial<HttpUrlConfig> = {}): HttpUrlConfig => ({
  path,
  digest: null,
  statusCodes: [[200, 299]],
  virtualhost: null,
  regex: null,
  regexNoMatch: false,
  ...over,
});

export const httpCheck = (
  ip: string,
  port: number,
  urls: HttpUrlConfig[],
  over: Partial<Omit<HttpCfg, 'type' | 'urls'>> = {},
  type: 'HTTP_GET' | 'SSL_GET' = 'HTTP_GET',
): HttpCfg => ({
  ...common(ip, port),
  type,
  urls,
  httpProtocol: '1.0',
  virtualhost: null,
  fastRecovery: false,
  enableSni: false,
  verifyCertificate: false,
  delayBeforeRetryMs: 3000,
  ...over,
});

export const smtpCheck = (ip: string, port: number, heloName = 'smtpchecker.keepalived.org'): Of<'SMTP_CHECK'> => ({ ...common(ip, port), type: 'SMTP_CHECK', heloName });

export const dnsCheck = (ip: string, port: number, queryType: Of<'DNS_CHECK'>['queryType'] = 'SOA', name = '.'): Of<'DNS_CHECK'> => ({
  ...common(ip, port, { retry: 3 }),
  type: 'DNS_CHECK',
  queryType,
  name,
});

export const udpCheck = (ip: string, port: number, over: Partial<Omit<Of<'UDP_CHECK'>, 'type'>> = {}): Of<'UDP_CHECK'> => ({
  ...common(ip, port),
  type: 'UDP_CHECK',
  payload: null,
  requireReply: null,
  requireReplyGiven: false,
  minReplyLength: 0,
  maxReplyLength: 255,
  ...over,
});

export const pingCheck = (ip: string): Of<'PING_CHECK'> => ({ ...common(ip, 0), type: 'PING_CHECK' });

export const miscCheck = (command: string, over: Partial<Omit<Of<'MISC_CHECK'>, 'type'>> = {}): Of<'MISC_CHECK'> => ({
  ...common('127.0.0.1', 0, { retry: 0 }),
  type: 'MISC_CHECK',
  script: { command, user: null, group: null },
  timeoutMs: 10000,
  dynamic: false,
  ...over,
});

export const fileCheck = (trackFile: string, weight: number, reverse = false): Of<'FILE_CHECK'> => ({
  type: 'FILE_CHECK',
  source,
  trackFile,
  weight,
  reverse,
  delayLoopMs: 60000,
});
