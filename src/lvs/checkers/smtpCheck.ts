// SMTP_CHECK (lvs.md §3.3, keepalived check/check_smtp.c:637-695): greeting 220 → `HELO <helo_name>` → 250 →
// `QUIT` → any answer (or the close) is a success. A multi-line reply ("250-…" lines) counts by its last line.
import type { CheckerConfig } from '../../config/lvsTypes.js';
import { Attempts, fail, pass } from './attempt.js';
import { errorVerdict, hostPort } from './errno.js';
import { connectTcp } from './socketSetup.js';
import type { Probe, ProbeDeps } from './types.js';

type SmtpCheckConfig = Extract<CheckerConfig, { type: 'SMTP_CHECK' }>;

/** An SMTP reply line longer than this is not an SMTP server (RFC 5321 §4.5.3.1.5: 512 octets). */
const MAX_LINE = 4096;

export function smtpProbe(cfg: SmtpCheckConfig, deps: ProbeDeps): Probe {
  const attempts = new Attempts(deps.clock);
  const target = hostPort(cfg.connectIp, cfg.connectPort);
  // Which exchange step the run is in, for the timeout and close details.
  let step = 'connect';
  return {
    run: () =>
      attempts.run({
        what: `smtp ${target}`,
        timeoutMs: cfg.connectTimeoutMs,
        onTimeout: () => fail('timeout', `smtp ${target}: no answer within ${cfg.connectTimeoutMs} ms (${step})`),
        body: (ctl) => {
          step = 'connect';
          const sock = connectTcp(cfg);
          ctl.onSettle(() => sock.destroy());
          let buffered = '';
          sock.once('connect', () => {
            ctl.progress();
            step = 'waiting for the greeting';
          });
          const onReply = (code: number, text: string): void => {
            ctl.progress();
            if (step === 'waiting for the greeting') {
              if (code !== 220) return ctl.finish(fail('protocol', `smtp ${target}: greeting "${text}" is not 220`));
              step = 'waiting for the HELO reply';
              sock.write(`HELO ${cfg.heloName}\r\n`);
            } else if (step === 'waiting for the HELO reply') {
              if (code !== 250) return ctl.finish(fail('protocol', `smtp ${target}: HELO answered "${text}", not 250`));
              step = 'waiting for the QUIT reply';
              sock.write('QUIT\r\n');
            } else {
              ctl.finish(pass());
            }
          };
          sock.setEncoding('latin1');
          sock.on('data', (chunk: string) => {
            buffered += chunk;
            for (let nl = buffered.indexOf('\n'); nl >= 0 && !ctl.settled; nl = buffered.indexOf('\n')) {
              const line = buffered.slice(0, nl).replace(/\r$/, '');
              buffered = buffered.slice(nl + 1);
              const m = /^(\d{3})([ -]|$)/.exec(line);
              if (!m) return ctl.finish(fail('protocol', `smtp ${target}: malformed reply line "${line.slice(0, 80)}"`));
              if (m[2] === '-') continue; // continuation: the last line carries the reply
              onReply(Number(m[1]), line.slice(0, 80));
            }
            if (buffered.length > MAX_LINE) ctl.finish(fail('protocol', `smtp ${target}: reply line longer than ${MAX_LINE} bytes`));
          });
          sock.once('close', () => {
            if (step === 'waiting for the QUIT reply') ctl.finish(pass());
            else ctl.finish(fail('reset', `smtp ${target}: connection closed ${step}`));
          });
          sock.once('error', (err) => ctl.finish(errorVerdict(`smtp ${target}`, err)));
        },
      }),
    close: () => attempts.close(),
  };
}
