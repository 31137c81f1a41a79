// Every sample Debian ships with keepalived 2.2.7 starts under `vipd run` in a namespace lab built for it: one
// veth per interface the sample names (its far end in a peer namespace, so there is carrier and no echo), a
// source address on each, and the addresses its routes assume (gateways on-link, `src` addresses local), as the
// network it was written for would have. A runnable sample must bring every vrrp_instance to BACKUP or MASTER,
// log no error except the ones listed below, stop on SIGTERM with exit 0 and leave none of its VIPs behind.
// keepalived.conf.conditional_conf (`net_namespace high` / `low`) is started from the root namespace and must
// move itself, every thread of it, into /run/netns/high (or low). Samples still refused on this branch are listed
// with their reason in test/fixtures/keepalivedSamples.ts: they must fail exactly that way until an entry is
// deleted. Run it under the lab lock: flock /tmp/vipd-netns.lock npx mocha … dist/test/integration/samples.test.js
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { nftConfigRefusals } from '../../src/lvs/nft/configSupport.js';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import { vipdBin, waitFor } from '../../src/lab/agents.js';
import type { Lab } from '../../src/lab/netns.js';
import { EXPECTED_REFUSALS, SAMPLES_DIR, configIdsFor, sampleNames } from '../fixtures/keepalivedSamples.js';
import { newLab, requireLab } from './labHelpers.js';

interface LogLine {
  level: string;
  msg: string;
}

/** A vipd process and what it logged (--log-format json; anything else it prints counts as an error line). */
class VipdRun {
  private text = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (b: Buffer) => (this.text += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (this.text += b.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  lines(): LogLine[] {
    return this.text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        try {
          const j = JSON.parse(l) as { level?: string; msg?: string };
          return { level: j.level ?? 'error', msg: j.msg ?? l };
        } catch {
          return { level: 'error', msg: `(not a log line) ${l}` };
        }
      });
  }

  output(): string {
    return this.text;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Errors a sample may log in any lab, each with the reason it is the lab's doing and not vipd's. A missing script
 * is allowed only when the file really does not exist here (the samples name /usr/local/bin/vrrp.sh and friends,
 * and `</dev/tcp/…` bash redirections that keepalived cannot run either); vipd disables it as keepalived does.
 */
function allowedError(msg: string): boolean {
  const missingScript = /Script (.+?) cannot be accessed - disabling$/.exec(msg);
  return missingScript !== null && !existsSync(missingScript[1]!);
}

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

/** The interfaces a sample names (eth0, eth1, eth0.1 …), in order. */
function interfacesOf(text: string): string[] {
  return [...new Set(text.match(/\beth\d+(?:\.\d+)?\b/g) ?? [])].sort();
}

/** IPv4 words that follow one of `keywords` in the sample (route gateways, preferred sources). */
function wordsAfter(text: string, keywords: readonly string[]): string[] {
  const words = text.replace(/[#!].*$/gm, '').split(/\s+/);
  const out = new Set<string>();
  words.forEach((w, i) => {
    const next = words[i + 1];
    if (keywords.includes(w) && next && IPV4.test(next)) out.add(next);
  });
  return [...out];
}

/** Build the sample's lab in namespace `ns` (peer ends in `peer`). `ip` runs `ip -n NS …`. */
async function buildSampleLab(lab: Lab, ns: string, peer: string, text: string): Promise<void> {
  const ip = (n: string, ...args: string[]) => lab.run('ip', ['-n', n, ...args]);
  await ip(ns, 'link', 'set', 'lo', 'up');
  await lab.run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
  const gateways = wordsAfter(text, ['via', 'gw', 'or']);
  const gatewayNets = [...new Set(gateways.map((gw) => gw.split('.').slice(0, 3).join('.')))];
  const ifs = interfacesOf(text);
  for (const [i, ifname] of ifs.entries()) {
    await ip(ns, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', peer);
    await ip(peer, 'link', 'set', `p${i}`, 'up');
    await ip(ns, 'link', 'set', ifname, 'up');
    // First address = the instance's source address (keepalived uses the interface's primary address).
    await ip(ns, 'addr', 'add', `10.99.${i + 1}.1/24`, 'dev', ifname);
    for (const net of gatewayNets) {
      const own = `${net}.${10 + i}`;
      if (!gateways.includes(own)) await ip(ns, 'addr', 'add', `${own}/24`, 'dev', ifname);
    }
  }
  for (const src of wordsAfter(text, ['src'])) await ip(ns, 'addr', 'add', `${src}/32`, 'dev', 'lo');
}

async function addressesIn(lab: Lab, ns: string): Promise<string[]> {
  const { stdout } = await lab.run('ip', ['-n', ns, '-j', 'addr', 'show']);
  return (JSON.parse(stdout) as { addr_info?: { local?: string }[] }[]).flatMap((l) => (l.addr_info ?? []).map((a) => a.local ?? ''));
}

/** Network-namespace identity of every thread of `pid` (st_ino of /proc/PID/task/TID/ns/net). */
function threadNamespaces(pid: number): Set<bigint> {
  const out = new Set<bigint>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) out.add(statSync(`/proc/${pid}/task/${tid}/ns/net`, { bigint: true }).ino);
  return out;
}

function startVipd(args: string[], ns: string | null): VipdRun {
  const argv = [process.execPath, vipdBin(), 'run', '--log-format', 'json', '--no-handover', ...args];
  // null: started in the root namespace, for samples that name their own net_namespace.
  const child = ns === null ? spawn(argv[0]!, argv.slice(1), { stdio: 'pipe' }) : spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: 'pipe' });
  return new VipdRun(child);
}

const STATE = /^\((.+)\) Entering (BACKUP|MASTER|FAULT) STATE/;

/** Latest state each instance logged. */
function states(run: VipdRun): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of run.lines()) {
    const m = STATE.exec(l.msg);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

describe('integration: every Debian keepalived sample starts in a lab', function () {
  this.timeout(120_000);
  const names = sampleNames();

  before(function () {
    requireLab(this);
    if (names.length === 0) {
      console.log(`      skipped: ${SAMPLES_DIR} is missing (install Debian's keepalived package)`);
      this.skip();
    }
  });

  for (const name of names) {
    for (const configId of configIdsFor(name)) {
      it(`${name}${configId ? ` --config-id ${configId}` : ''}`, async function () {
        const file = join(SAMPLES_DIR, name);
        const text = readFileSync(file, 'utf8');
        const { config } = loadConfig(file, { configId });
        const netns = config?.global.netNamespace ?? null;
        const lab = newLab('smp');
        // A sample's own net_namespace is a fixed name: use it only if we create it (never someone else's).
        if (netns !== null && existsSync(`/run/netns/${netns}`)) {
          console.log(`      skipped: a network namespace '${netns}' already exists here and is not this test's`);
          this.skip();
        }
        const ns = netns ?? lab.ns('s');
        const peer = lab.ns('p');
        let run: VipdRun | undefined;
        try {
          await lab.run('ip', ['netns', 'add', ns]);
          await lab.run('ip', ['netns', 'add', peer]);
          await buildSampleLab(lab, ns, peer, text);
          const args = ['-f', file, ...(configId ? ['--config-id', configId] : [])];
          run = startVipd(args, netns === null ? ns : null);
          await checkSample(name, config, run, netns, lab, ns);
        } finally {
          if (run) await run.stop();
          await lab.run('ip', ['netns', 'del', ns]).catch(() => undefined);
          await lab.run('ip', ['netns', 'del', peer]).catch(() => undefined);
          await lab.destroy();
        }
      });
    }
  }
});

async function checkSample(name: string, config: Config | null, run: VipdRun, netns: string | null, lab: Lab, ns: string): Promise<void> {
  const refusal = EXPECTED_REFUSALS[name];
  if (refusal) {
    assert.equal(await run.exited, 1, `refused (${refusal.why}); if it now runs, delete its entry:\n${run.output()}`);
    const errors = run.lines().filter((l) => l.level === 'error');
    for (const re of refusal.errors) assert.ok(errors.some((e) => re.test(e.msg)), `${re} logged:\n${run.output()}`);
    return;
  }
  assert.ok(config, 'the unit test loads every sample not listed as refused');
  const nftRefusals = existsSync('/proc/net/ip_vs') ? [] : nftConfigRefusals(config.virtualServers, config.lvs.syncDaemon);
  if (nftRefusals.length > 0) {
    // This kernel has no IPVS (the lab machines' own): virtual servers go to the nftables data plane, and a sample
    // asking what nftables cannot do (lc/wlc, DR, TUN …) is refused at start with every reason — said, not hidden.
    // Such samples run on IPVS in user-mode Linux (test/integration/lvs*.test.ts).
    assert.equal(await run.exited, 1, run.output());
    assert.ok(run.lines().some((l) => l.level === 'error' && l.msg.includes('VIPD_ERR_NFT_UNSUPPORTED')), run.output());
    return;
  }

  const names = config.instances.map((i) => i.name);
  const allIn = (wanted: readonly string[]) => () => {
    const s = states(run);
    return names.every((n) => wanted.includes(s.get(n) ?? ''));
  };
  const exitedEarly = () => run.child.exitCode !== null;
  assert.ok(
    await waitFor(() => allIn(['BACKUP', 'MASTER'])() || exitedEarly(), 60_000, 100),
    `every instance in BACKUP or MASTER:\n${run.output()}`,
  );
  assert.ok(!exitedEarly(), `still running:\n${run.output()}`);
  // A file with virtual servers only has no state to wait for: wait until the agent says it started (a SIGTERM
  // before its handlers are in place would end it by the signal's default action, not by a clean stop).
  assert.ok(
    await waitFor(() => run.lines().some((l) => /^vipd \S+ started/.test(l.msg)) || exitedEarly(), 60_000, 100),
    `started:\n${run.output()}`,
  );
  if (netns !== null) {
    assert.ok(run.lines().some((l) => l.msg.includes(`started in network namespace ${netns}:`)), run.output());
    const target = statSync(`/run/netns/${netns}`, { bigint: true }).ino;
    assert.deepEqual([...threadNamespaces(run.child.pid!)], [target], 'every thread of vipd inside the namespace');
  }
  // A few seconds more: masters take over (advert_int 1 → about 3.6 s), routes go in, scripts run.
  await waitFor(allIn(['MASTER']), 6_000, 100);
  assert.equal(await run.stop(), 0, `clean stop:\n${run.output()}`);
  const lines = run.lines();
  assert.ok(lines.some((l) => l.msg === 'Stopped vipd'), run.output());
  const unexpected = lines.filter((l) => l.level === 'error' && !allowedError(l.msg));
  assert.deepEqual(unexpected, [], 'no errors but missing sample scripts');
  const left = await addressesIn(lab, ns);
  const vips = config.instances.flatMap((i) => i.vips.map((v) => v.address));
  assert.deepEqual(vips.filter((v) => left.includes(v)), [], 'no VIP left behind');
}

describe('integration: net_namespace', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(function () {
    requireLab(this);
    dir = mkdtempSync(join(tmpdir(), 'vipd-netns-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start when the namespace does not exist, naming it, and opens nothing', async () => {
    const missing = newLab('nsm').ns('missing');
    const file = join(dir, 'keepalived.conf');
    writeFileSync(
      file,
      `net_namespace ${missing}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    10.99.0.100/24\n  }\n}\n`,
    );
    const run = startVipd(['-f', file, '--metrics-listen', '127.0.0.1:0'], null);
    assert.equal(await run.exited, 1);
    const errors = run.lines().filter((l) => l.level === 'error').map((l) => l.msg);
    assert.deepEqual(errors, [
      `net_namespace ${missing}: there is no network namespace ${missing} (/run/netns/${missing} does not exist; create it with \`ip netns add ${missing}\`)`,
    ]);
    assert.ok(!run.lines().some((l) => /started|metrics on/.test(l.msg)), run.output());
  });
});
