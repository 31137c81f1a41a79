import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  keepalivedTime,
  renderKeepalivedData,
  renderKeepalivedJson,
  renderKeepalivedStats,
  writeKeepalivedFiles,
} from '../../../src/control/keepalived-files.js';
import type { InstanceView } from '../../../src/status/types.js';

// Captured from real keepalived 2.2.7 (see fixtures/keepalived-2.2.7/README.md); the tests run from dist/.
const FIXTURES = fileURLToPath(new URL('../../../../test/unit/control/fixtures/keepalived-2.2.7/', import.meta.url));
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** The two instances of fixtures/keepalived-2.2.7/keepalived.conf as vipd would report them. */
const VIEWS: InstanceView[] = [
  {
    name: 'VI_1',
    ifname: 'vmd0',
    vrid: 51,
    version: 2,
    state: 'MASTER',
    basePriority: 100,
    effectivePriority: 110,
    masterAddress: '10.9.0.1',
    advertIntMs: 1000,
    vips: ['10.9.0.100/24', '10.9.0.101'],
    lastTransition: { from: 'BACKUP', to: 'MASTER', reason: 'master_down_timer', atMs: 1795294453286.076 },
  },
  {
    name: 'VI_6',
    ifname: 'vmd0',
    vrid: 52,
    version: 3,
    family: 'inet6',
    state: 'MASTER',
    basePriority: 90,
    effectivePriority: 90,
    masterAddress: 'fe80::487d:c2ff:fe67:e3a',
    advertIntMs: 500,
    vips: [{ address: 'fd00:9::100/64', ifname: 'vmd0' }],
    lastTransition: { from: 'BACKUP', to: 'MASTER', reason: 'master_down_timer', atMs: 1795294451540.029 },
  },
];

/** The counters keepalived had when it wrote the captured keepalived.stats. */
const COUNTERS = {
  VI_1: { advert_sent: 3, become_master: 1 },
  VI_6: { advert_sent: 9, become_master: 1 },
};

/** The " VRRP Instance = NAME" blocks of the VRRP Topology section of a keepalived.data, as line arrays. */
function topologyBlocks(data: string): Map<string, string[]> {
  const lines = data.split('\n');
  const start = lines.indexOf('------< VRRP Topology >------');
  const blocks = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('------<')) break;
    const m = /^ VRRP Instance = (.+)$/.exec(line);
    if (m) {
      current = [];
      blocks.set(m[1]!, current);
    } else if (current && line !== '') {
      current.push(line);
    }
  }
  return blocks;
}

describe('control/keepalived-files', () => {
  it('renders keepalived.stats identical to keepalived 2.2.7\'s for the same counters', () => {
    assert.equal(renderKeepalivedStats(VIEWS, COUNTERS), fixture('keepalived.stats'));
  });

  it('renders zeros for an instance without counters and nothing for no instances', () => {
    const text = renderKeepalivedStats([VIEWS[0]!], {});
    assert.match(text, /^VRRP Instance: VI_1\n {2}Advertisements:\n {4}Received: 0\n {4}Sent: 0\n/);
    assert.equal(renderKeepalivedStats([], {}), '');
  });

  it('renders keepalived.data topology lines exactly as keepalived 2.2.7 writes them', () => {
    const ours = topologyBlocks(renderKeepalivedData(VIEWS));
    const real = topologyBlocks(fixture('keepalived.data'));
    assert.deepEqual([...ours.keys()], [...real.keys()]);
    for (const [name, lines] of ours) {
      const theirs = real.get(name)!;
      // every line we write is a line keepalived writes, in keepalived's order
      let at = -1;
      for (const line of lines) {
        const i = theirs.indexOf(line, at + 1);
        assert.ok(i > at, `${name}: line not in keepalived's dump (or out of order): ${JSON.stringify(line)}`);
        at = i;
      }
      // and the lines exporters parse are all there (mehdy/keepalived-exporter parser.go ParseVRRPData)
      for (const key of ['   State = ', '   Interface = ', '   Virtual Router ID = ', '   Virtual IP (']) {
        assert.ok(lines.some((l) => l.startsWith(key)), `${name}: missing ${key.trim()}`);
      }
    }
    // VIP lines, which become the exporter's ip_address/intf labels, match byte for byte
    const vipLines = (b: string[]) => b.filter((l) => /^ {5}(10\.|fd00)/.test(l));
    assert.deepEqual(vipLines(ours.get('VI_1')!), vipLines(real.get('VI_1')!));
    assert.deepEqual(vipLines(ours.get('VI_6')!), vipLines(real.get('VI_6')!));
    assert.equal(vipLines(ours.get('VI_1')!).length, 2);
  });

  it('formats keepalived\'s transition time as sec.usec (ctime with microseconds)', () => {
    assert.match(keepalivedTime(1795294453286.076), /^1795294453\.286076 \(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.286076 \d{4}\)$/);
    assert.match(keepalivedTime(1000), /^1\.000000 \(/);
  });

  it('writes Master router for a BACKUP, as keepalived does', () => {
    const text = renderKeepalivedData([{ ...VIEWS[0]!, state: 'BACKUP', masterAddress: '10.9.0.2', masterPriority: 150 }]);
    assert.match(text, /\n {3}State = BACKUP\n {3}Master router = 10\.9\.0\.2\n {3}Master priority = 150\n/);
    assert.match(text, /\n {5}10\.9\.0\.100\/24 dev vmd0 scope global\n/); // not installed on a backup: no " set"
  });

  it('renders keepalived.json v1 with state codes, VIP strings and stats', () => {
    const arr = JSON.parse(renderKeepalivedJson([{ ...VIEWS[0]!, state: 'BACKUP', masterPriority: 150 }], COUNTERS));
    assert.equal(arr.length, 1);
    assert.equal(arr[0].data.iname, 'VI_1');
    assert.equal(arr[0].data.ifp_ifname, 'vmd0');
    assert.equal(arr[0].data.state, 1);
    assert.equal(arr[0].data.vrid, 51);
    assert.equal(arr[0].data.master_priority, 150);
    assert.deepEqual(arr[0].data.vips, ['10.9.0.100/24 dev vmd0 scope global', '10.9.0.101 dev vmd0 scope global']);
    assert.equal(arr[0].stats.advert_sent, 3);
    assert.equal(arr[0].stats.pri_zero_rcvd, 0);
    assert.equal(Object.keys(arr[0].stats).length, 14);
  });

  it('writes the three files atomically into a directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vipd-ka-'));
    try {
      const written = writeKeepalivedFiles(dir, { instances: VIEWS, counters: { VI_1: { ...COUNTERS.VI_1 } as never } });
      assert.deepEqual(written.map((p) => p.slice(dir.length + 1)), ['keepalived.stats', 'keepalived.data', 'keepalived.json']);
      assert.deepEqual(readdirSync(dir).sort(), ['keepalived.data', 'keepalived.json', 'keepalived.stats']);
      assert.match(readFileSync(join(dir, 'keepalived.stats'), 'utf8'), /^VRRP Instance: VI_1\n/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
