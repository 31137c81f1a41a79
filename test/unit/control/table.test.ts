import assert from 'node:assert/strict';
import { formatDuration, renderStatus, renderStatusTable } from '../../../src/control/table.js';
import type { InstanceView, StatusDocument } from '../../../src/status/types.js';
import { syncStatusSection } from '../../../src/sync/status.js';

const NOW = 1_800_000_000_000;

const MASTER: InstanceView = {
  name: 'VI_1',
  ifname: 'eth0',
  vrid: 51,
  state: 'MASTER',
  basePriority: 100,
  effectivePriority: 110,
  masterAddress: '10.1.0.1',
  vips: ['10.1.0.100/24'],
  lastTransition: { from: 'BACKUP', to: 'MASTER', reason: 'master_down_timer', atMs: NOW - 192_000 },
};

const BACKUP: InstanceView = {
  name: 'VI_inner',
  ifname: 'eth1',
  vrid: 52,
  state: 'BACKUP',
  basePriority: 90,
  effectivePriority: 90,
  masterAddress: '10.2.0.1',
  masterPriority: 150,
  vips: ['10.2.0.254/24', { address: '10.3.0.1/24', ifname: 'eth2' }, '10.2.0.250', '10.2.0.251'],
  lastTransition: null,
};

describe('control/table', () => {
  it('renders one aligned row per instance with priorities, master, VIPs and the last transition', () => {
    const text = renderStatusTable([MASTER, BACKUP], { nowMs: NOW });
    assert.equal(
      text,
      [
        'INSTANCE  IFACE  VRID  STATE   PRIO EFF/BASE  MASTER             VIPS                                               LAST TRANSITION                     SINCE',
        'VI_1      eth0   51    MASTER  110/100        10.1.0.1 (us)      10.1.0.100/24                                      BACKUP->MASTER (master_down_timer)  3m12s ago',
        'VI_inner  eth1   52    BACKUP  90/90          10.2.0.1 prio 150  10.2.0.254/24,10.3.0.1/24@eth2,10.2.0.250 +1 more  -                                   -',
      ].join('\n'),
    );
  });

  it('says so when there are no instances', () => {
    assert.equal(renderStatusTable([], { nowMs: NOW }), 'no VRRP instances configured');
  });

  it('formats ages compactly', () => {
    assert.equal(formatDuration(850), '850ms');
    assert.equal(formatDuration(12_400), '12s');
    assert.equal(formatDuration(192_000), '3m12s');
    assert.equal(formatDuration(5 * 3_600_000 + 3 * 60_000), '5h03m');
    assert.equal(formatDuration(2 * 86_400_000 + 4 * 3_600_000), '2d04h');
    assert.equal(formatDuration(-5000), 'in 5s');
  });

  it('renders the full status with a header and each subsystem\'s section lines', () => {
    const sync = {
      entries: 1234,
      messagesSent: 50,
      messagesReceived: 7,
      messagesLost: 2,
      messagesResent: 3,
      lastFullResyncAtMs: NOW - 60_000,
      lastCommitDurationMs: 1.25,
      peerUp: false,
    };
    const doc: StatusDocument = {
      statusVersion: 1,
      node: 'd1',
      version: '0.1.0',
      generatedAtMs: NOW,
      instances: [MASTER],
      counters: {},
      // As the sync plugin builds its section (src/sync/status.ts); `vipd status` knows no subsystem.
      sections: { sync: syncStatusSection(sync, NOW), quiet: { lines: [], data: {} }, lvs: { lines: ['lvs: 2 virtual servers'], data: {} } },
      sync,
    };
    const text = renderStatus(doc, { nowMs: NOW });
    const lines = text.split('\n');
    assert.equal(lines[0], 'vipd 0.1.0 on d1: 1 instance');
    assert.match(lines[3]!, /^VI_1 +eth0 +51 +MASTER/);
    assert.equal(
      lines[5],
      'connection sync: 1234 entries, sent 50, received 7, lost 2, resent 3, last full resync 1m00s ago, last commit 1.3 ms, PEER DOWN',
    );
    assert.equal(lines[6], '', 'a blank line between sections; none for a section without lines');
    assert.equal(lines[7], 'lvs: 2 virtual servers');
    assert.ok(text.endsWith('\n'));
    assert.doesNotMatch(renderStatus({ ...doc, sections: {}, sync: null }, { nowMs: NOW }), /connection sync/);
  });
});
