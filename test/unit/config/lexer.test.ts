import assert from 'node:assert/strict';
import { DiagnosticSink } from '../../../src/config/diagnostics.js';
import { decomment, lex, tokenize, type LogicalLine } from '../../../src/config/lexer.js';
import { memFs } from './memfs.js';

function run(files: Record<string, string>, configId: string | null = null, main = '/etc/k/keepalived.conf') {
  const sink = new DiagnosticSink();
  const lines = lex(main, { configId, sources: memFs(files), random: () => 0 }, sink);
  return { lines, diags: sink.items };
}
const texts = (lines: readonly LogicalLine[]) => lines.map((l) => l.tokens.map((t) => t.text).join(' '));
const where = (lines: readonly LogicalLine[]) => lines.map((l) => `${l.file}:${l.line}`);

describe('config/lexer', () => {
  describe('comments and quotes', () => {
    it('cuts at # and ! anywhere outside double quotes', () => {
      assert.equal(decomment('  auth_pass ab#cd').text, 'auth_pass ab');
      assert.equal(decomment('priority 100 ! note').text, 'priority 100');
      assert.equal(decomment('notify "/bin/x #1 !2" # real').text, 'notify "/bin/x #1 !2"');
      assert.equal(decomment('x \\#literal').text, 'x #literal');
    });
    it('keeps a quoted token with spaces as one token and ; as an ordinary character', () => {
      const t = tokenize('notify_master "/usr/bin/a  b c" interface lo;').tokens.map((x) => x.text);
      assert.deepEqual(t, ['notify_master', '/usr/bin/a  b c', 'interface', 'lo;']);
    });
    it('reports an unmatched quote with its line', () => {
      const { diags } = run({ '/etc/k/keepalived.conf': 'global_defs {\n router_id "abc\n}\n' });
      assert.equal(diags.length, 1);
      assert.equal(diags[0]!.line, 2);
      assert.match(diags[0]!.message, /Unmatched quote/);
    });
  });

  describe('braces', () => {
    it('splits at unquoted braces so they may share lines', () => {
      const { lines } = run({
        '/etc/k/keepalived.conf': 'vrrp_instance VI_1 { virtual_ipaddress { 10.0.0.1/24 } }\nvrrp_script s\n{\n script "echo {x}" }\n',
      });
      assert.deepEqual(texts(lines), [
        'vrrp_instance VI_1', '{', 'virtual_ipaddress', '{', '10.0.0.1/24', '}', '}',
        'vrrp_script s', '{', 'script echo {x}', '}',
      ]);
      assert.deepEqual(lines.map((l) => l.line), [1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 4]);
    });
  });

  describe('include', () => {
    it('resolves globs against the including file folder, nested, in sorted order', () => {
      const { lines, diags } = run({
        '/etc/k/keepalived.conf': 'a 1\ninclude conf.d/*.conf\nz 1\n',
        '/etc/k/conf.d/20-b.conf': 'b 1\ninclude ../sub/{x,y}.inc\n',
        '/etc/k/conf.d/10-a.conf': 'a 2\n',
        '/etc/k/conf.d/skip.txt': 'never\n',
        '/etc/k/sub/x.inc': 'x 1\n',
        '/etc/k/sub/y.inc': '\n\ny 3\n',
      });
      assert.deepEqual(diags, []);
      assert.deepEqual(texts(lines), ['a 1', 'a 2', 'b 1', 'x 1', 'y 3', 'z 1']);
      assert.deepEqual(where(lines), [
        '/etc/k/keepalived.conf:1', '/etc/k/conf.d/10-a.conf:1', '/etc/k/conf.d/20-b.conf:1',
        '/etc/k/sub/x.inc:1', '/etc/k/sub/y.inc:3', '/etc/k/keepalived.conf:3',
      ]);
    });
    it('reports an include cycle at the include line and keeps going', () => {
      const { lines, diags } = run({
        '/etc/k/keepalived.conf': 'include a.conf\nend 1\n',
        '/etc/k/a.conf': 'a 1\ninclude b.conf\n',
        '/etc/k/b.conf': 'include a.conf\nb 1\n',
      });
      assert.deepEqual(texts(lines), ['a 1', 'b 1', 'end 1']);
      assert.equal(diags.length, 1);
      assert.equal(diags[0]!.file, '/etc/k/b.conf');
      assert.equal(diags[0]!.line, 1);
      assert.match(diags[0]!.message, /include cycle: .*keepalived\.conf -> \/etc\/k\/a\.conf -> \/etc\/k\/b\.conf -> \/etc\/k\/a\.conf/);
    });
    it('warns on a plain include that matches nothing, errors for includea', () => {
      const { diags } = run({ '/etc/k/keepalived.conf': 'include none/*.conf\nincludea missing.conf\n' });
      assert.deepEqual(diags.map((d) => [d.line, d.severity]), [[1, 'warning'], [2, 'error']]);
    });
  });

  describe('conditionals', () => {
    const conf = { '/etc/k/keepalived.conf': '@lb1 priority 150\n@lb2 priority 100\n@^lb1 state BACKUP\nx 1\n' };
    it('keeps @ID lines for the matching config id and @^ID lines for the others', () => {
      assert.deepEqual(texts(run(conf, 'lb1').lines), ['priority 150', 'x 1']);
      assert.deepEqual(texts(run(conf, 'lb2').lines), ['priority 100', 'state BACKUP', 'x 1']);
      assert.deepEqual(texts(run(conf, null).lines), ['state BACKUP', 'x 1']);
    });
  });

  describe('parameters', () => {
    it('defines and substitutes $VAR and ${VAR}, at use time, leaving undefined names', () => {
      const { lines } = run({
        '/etc/k/keepalived.conf': [
          '$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}',
          '$ADDRESS_BASE_SUB=0',
          '${ADDRESS_BASE}.100/32',
          '$ADDRESS_BASE_SUB=10',
          '${ADDRESS_BASE}.100/32',
          '$P=240',
          'priority $P',
          'script "echo $HOME ${NOPE}"',
        ].join('\n'),
      });
      assert.deepEqual(texts(lines), ['10.2.0.100/32', '10.2.10.100/32', 'priority 240', 'script echo $HOME ${NOPE}']);
      assert.deepEqual(lines.map((l) => l.line), [3, 5, 7, 8]);
    });
    it('combines with conditionals and expands multi-line definitions', () => {
      const { lines } = run(
        {
          '/etc/k/keepalived.conf': [
            '@main $PRIORITY=240',
            '@backup $PRIORITY=200',
            '$INST= \\',
            'vrrp_instance VI_${NUM} { \\',
            '  priority $PRIORITY \\',
            '}',
            '$NUM=7',
            '$INST',
          ].join('\n'),
        },
        'backup',
      );
      assert.deepEqual(texts(lines), ['vrrp_instance VI_7', '{', 'priority 200', '}']);
      assert.ok(lines.every((l) => l.line === 8));
    });
    it('provides ${_PWD}, ${_INSTANCE}, ${_HASH}', () => {
      const { lines } = run({ '/etc/k/keepalived.conf': 'a ${_PWD} ${_INSTANCE} "${_HASH}"\n' }, 'lb1');
      assert.deepEqual(texts(lines), ['a /etc/k lb1 #']);
    });
  });

  describe('~SEQ and ~LST', () => {
    it('expands ~SEQ with defaults, steps and hex, nested left to right', () => {
      const t = (s: string) => texts(run({ '/etc/k/keepalived.conf': s }).lines);
      assert.deepEqual(t('~SEQ(S, 0, 3) ip 10.0.${S}.1'), ['ip 10.0.0.1', 'ip 10.0.1.1', 'ip 10.0.2.1', 'ip 10.0.3.1']);
      assert.deepEqual(t('~SEQ(S, 3) v$S'), ['v1', 'v2', 'v3']);
      assert.deepEqual(t('~SEQ(S, 5, -2, 1) v$S'), ['v5', 'v3', 'v1']);
      assert.deepEqual(t('~SEQx(S, 0x90, 0x10, 0xc0) fe80::${S}:1'), ['fe80::90:1', 'fe80::a0:1', 'fe80::b0:1', 'fe80::c0:1']);
      assert.deepEqual(t('~SEQ(A, 1, 2) ~SEQ(B, 0, 1) ${A}.${B}'), ['1.0', '1.1', '2.0', '2.1']);
    });
    it('expands ~LST with single and grouped variables', () => {
      const t = (s: string) => texts(run({ '/etc/k/keepalived.conf': s }).lines);
      assert.deepEqual(t('~LST({IP, IP1}, {10,1},{20,4}) 192.168.${IP}.${IP1}'), ['192.168.10.1', '192.168.20.4']);
      assert.deepEqual(t('~LST(IP, 1, 2) ~SEQ(N, 5, 6) ${IP}.${N}'), ['1.5', '1.6', '2.5', '2.6']);
    });
    it('reports invalid ~SEQ values with the line', () => {
      const { lines, diags } = run({ '/etc/k/keepalived.conf': 'a 1\n~SEQ(S, 1, -1, 5) x\n' });
      assert.deepEqual(texts(lines), ['a 1']);
      assert.equal(diags[0]!.line, 2);
      assert.match(diags[0]!.message, /Invalid ~SEQ values/);
    });
  });
});
