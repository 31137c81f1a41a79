import assert from 'node:assert/strict';
import { fifoLine, genericArgs, stateScript } from '../../../src/notify/lines.js';
import type { NotifyScripts, ScriptCommand } from '../../../src/config/types.js';

const cmd = (command: string, argv: string[]): ScriptCommand => ({ command, argv, source: { file: 'k.conf', line: 1 } } as unknown as ScriptCommand);

describe('notify/lines (keepalived vrrp_notify.c formats)', () => {
  it('FIFO lines quote the name; groups carry priority 0', () => {
    assert.equal(fifoLine('INSTANCE', 'VI_1', 'MASTER', 150), 'INSTANCE "VI_1" MASTER 150\n');
    assert.equal(fifoLine('GROUP', 'VG_1', 'BACKUP', 0), 'GROUP "VG_1" BACKUP 0\n');
    assert.equal(fifoLine('INSTANCE', 'VI 2', 'MASTER_RX_LOWER_PRI', 100), 'INSTANCE "VI 2" MASTER_RX_LOWER_PRI 100\n');
  });

  it('generic notify gets four extra words, the name unquoted', () => {
    assert.deepEqual(genericArgs(cmd("/bin/n 'a b'", ['/bin/n', 'a b']), 'INSTANCE', 'VI_1', 'FAULT', 90), ['/bin/n', 'a b', 'INSTANCE', 'VI_1', 'FAULT', '90']);
  });

  it('picks notify_<state> per state', () => {
    const m = cmd('/m', ['/m']);
    const s = cmd('/s', ['/s']);
    const n: NotifyScripts = { master: m, backup: null, fault: null, stop: s, generic: null, masterRxLowerPri: null };
    assert.equal(stateScript(n, 'MASTER'), m);
    assert.equal(stateScript(n, 'STOP'), s);
    assert.equal(stateScript(n, 'BACKUP'), null);
  });
});
