import assert from 'node:assert/strict';
import { checkInterfaces, formatDiagnostic } from '../../../src/config/index.js';
import { diags, errors, load, MAIN } from './helpers.js';

const inst = (name: string, iface: string, vrid: number, extra = '') =>
  `vrrp_instance ${name} {\n interface ${iface}\n virtual_router_id ${vrid}\n${extra} virtual_ipaddress {\n  10.1.0.${vrid}/24\n }\n}\n`;

describe('config/validate', () => {
  it('formats diagnostics as file:line: message', () => {
    assert.equal(formatDiagnostic({ file: '/a.conf', line: 7, severity: 'error', message: 'bad' }), '/a.conf:7: bad');
    assert.equal(formatDiagnostic({ file: '/a.conf', line: 7, severity: 'warning', message: 'meh' }), '/a.conf:7: warning: meh');
  });

  it('refuses a VRID clash on the same interface and family (multicast), at the second instance', () => {
    const r = load(inst('A', 'eth0', 51) + inst('B', 'eth0', 51));
    assert.equal(r.config, null);
    assert.deepEqual(diags(r), [`8 error (B) VRID 51 on interface eth0 (IPv4, multicast group 224.0.0.18) is already used by vrrp_instance A at ${MAIN}:1`]);
  });
  it('allows the same VRID on another interface, or unicast with disjoint peers', () => {
    assert.ok(load(inst('A', 'eth0', 51) + inst('B', 'eth1', 51)).config);
    const peers = (p: string) => ` unicast_peer {\n  ${p}\n }\n`;
    assert.ok(load(inst('A', 'eth0', 51, peers('10.1.0.2')) + inst('B', 'eth0', 51, peers('10.1.0.3'))).config);
    const r = load(inst('A', 'eth0', 51, peers('10.1.0.2')) + inst('B', 'eth0', 51, peers('10.1.0.2')));
    assert.match(errors(r)[0]!.message, /VRID 51 .*unicast peer 10\.1\.0\.2/);
  });
  it('refuses duplicate instance names, pointing at the first', () => {
    const r = load(inst('A', 'eth0', 1) + inst('A', 'eth0', 2));
    assert.deepEqual(diags(r), [`8 error duplicate vrrp_instance 'A' (first defined at ${MAIN}:1)`]);
  });
  it('refuses unknown track_script and track_file names at the entry line', () => {
    const r = load(inst('A', 'eth0', 1, ' track_script {\n  nope\n }\n track_file {\n  nofile\n }\n'));
    assert.deepEqual(diags(r), [
      '5 error (A) track script nope not found (no vrrp_script nope)',
      '8 error (A) track file nofile not found (no track_file nofile)',
    ]);
  });
  it('refuses sync group members that do not exist, and double membership', () => {
    const r = load(
      'vrrp_sync_group G1 {\n group {\n  A\n  GHOST\n }\n}\nvrrp_sync_group G2 {\n group {\n  A B\n }\n}\n' + inst('A', 'eth0', 1) + inst('B', 'eth0', 2),
    );
    assert.deepEqual(diags(r), [
      '4 error (G1) sync group member GHOST is not a vrrp_instance',
      '1 warning (G1) sync group has only one member - this probably isn\'t what you want',
      '9 error (G2) vrrp_instance A is already in sync group G1',
      '7 warning (G2) sync group has only one member - this probably isn\'t what you want',
    ].sort((a, b) => parseInt(a) - parseInt(b)));
  });
  it('records sync group membership on the instances', () => {
    const r = load('vrrp_sync_group G {\n group {\n  A\n  B\n }\n notify_master "/bin/m x"\n}\n' + inst('A', 'eth0', 1) + inst('B', 'eth0', 2));
    assert.deepEqual(r.config!.instances.map((i) => i.syncGroup), ['G', 'G']);
    assert.deepEqual(r.config!.syncGroups[0]!.members, ['A', 'B']);
    assert.deepEqual(r.config!.syncGroups[0]!.notify.master?.argv, ['/bin/m', 'x']);
  });
  it('reports brace errors with keepalived wording', () => {
    const r = load(inst('A', 'eth0', 1) + '}\n');
    assert.deepEqual(diags(r), ["8 error Extra '}' found"]);
    const m = load('vrrp_instance A\n interface eth0\n');
    assert.deepEqual(diags(m), ["1 error Missing '{' after 'vrrp_instance'", "2 warning Unknown keyword 'interface'"]);
    const u = load('{\n}\n');
    assert.deepEqual(diags(u), ["1 error Unexpected '{'"]);
  });
  it('collects every error in one pass', () => {
    const r = load('vrrp_instance A {\n interface eth0\n virtual_router_id 300\n priority 0\n advert_int x\n}\n');
    assert.deepEqual(errors(r).map((d) => d.line), [3, 4, 5]);
  });
  it('checkInterfaces reports missing interfaces with their lines', () => {
    const r = load(inst('A', 'eth0', 1, ' track_interface {\n  eth9\n }\n'));
    const d = checkInterfaces(r.config!, (n) => n === 'eth1');
    assert.deepEqual(d.map((x) => `${x.line} ${x.severity} ${x.message}`), [
      '1 error (A) interface eth0 doesn\'t exist',
      '5 warning (A) tracked interface eth9 doesn\'t exist (instance will be in FAULT)',
    ]);
    assert.deepEqual(checkInterfaces(r.config!, () => true), []);
  });
});
