// CheckerConfig → Probe: one probe kind per checker type (lvs.md §3.3). The shell calls this once per checker
// and reuses the probe for every run until a reload or stop closes it.
import type { CheckerConfig } from '../../config/lvsTypes.js';
import { dnsProbe } from './dnsCheck.js';
import { fileProbe } from './fileCheck.js';
import { httpProbe } from './httpCheck.js';
import { miscProbe } from './miscCheck.js';
import { pingProbe } from './pingCheck.js';
import { smtpProbe } from './smtpCheck.js';
import { tcpProbe } from './tcpCheck.js';
import { udpProbe } from './udpCheck.js';
import type { Probe, ProbeDeps, ProbeFactory } from './types.js';

export const createProbe: ProbeFactory = (checker: CheckerConfig, deps: ProbeDeps): Probe => {
  switch (checker.type) {
    case 'TCP_CHECK':
      return tcpProbe(checker, deps);
    case 'HTTP_GET':
    case 'SSL_GET':
      return httpProbe(checker, deps);
    case 'SMTP_CHECK':
      return smtpProbe(checker, deps);
    case 'DNS_CHECK':
      return dnsProbe(checker, deps);
    case 'UDP_CHECK':
      return udpProbe(checker, deps);
    case 'PING_CHECK':
      return pingProbe(checker, deps);
    case 'MISC_CHECK':
      return miscProbe(checker, deps);
    case 'FILE_CHECK':
      return fileProbe(checker, deps);
  }
};
