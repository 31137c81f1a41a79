// docs/errors.md is the operator's list of error codes: it must name exactly the codes of src/errors/codes.ts,
// in table order, each with the table's meaning and action; and no code may be raised that the table lacks.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, VIPD_ERROR_CODES, isVipdErrorCode } from '../../../src/errors/codes.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The rows of the docs table: code → [meaning, action]. */
function documentedRows(): [string, string, string][] {
  const text = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  return [...text.matchAll(/^\| `(VIPD_ERR_[A-Z0-9_]+)` \| (.*) \| (.*) \|$/gm)].map((m) => [m[1]!, m[2]!, m[3]!]);
}

describe('error codes: table, docs and sources agree', () => {
  it('docs/errors.md lists exactly the codes of ERROR_CODES, in table order', () => {
    const documented = documentedRows().map((r) => r[0]);
    assert.ok(documented.length > 20, `only ${documented.length} rows found in docs/errors.md`);
    assert.deepEqual(documented, [...VIPD_ERROR_CODES]);
  });

  it('each docs row says what the table says (meaning, then what to do)', () => {
    for (const [code, meaning, action] of documentedRows()) {
      assert.ok(isVipdErrorCode(code));
      assert.equal(meaning, ERROR_CODES[code].meaning, `${code}: meaning`);
      assert.equal(action, ERROR_CODES[code].action, `${code}: action`);
    }
  });

  it('every VIPD_ERR_* code named under src/ is in the table', () => {
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bVIPD_ERR_[A-Z0-9_]*[A-Z0-9]\b/g)) {
        assert.ok(isVipdErrorCode(m[0]), `${file.slice(ROOT.length)} names ${m[0]}, which src/errors/codes.ts lacks`);
      }
    }
  });

  it('nothing under src/ throws or rejects with a bare Error (impossible states use internalError)', () => {
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:throw|reject\(|Promise\.reject\()\s*new (?:Range|Type)?Error\(/g)) {
        const line = text.slice(0, m.index).split('\n').length;
        assert.fail(`${file.slice(ROOT.length)}:${line}: bare ${m[0]}`);
      }
    }
  });
});
