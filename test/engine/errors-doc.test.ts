import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_TABLE } from '../../core/index.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** The table rows of docs/errors.md, by code: [code, http, cmq, sqs, when]. */
const rows = new Map(
  doc
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim().replaceAll('`', '')))
    .map((cells) => [cells[0]!, cells] as const),
);

describe('docs/errors.md', () => {
  it.each(ERROR_CODES)('documents %s with its HTTP status, CMQ code and SQS shape', (code) => {
    const row = rows.get(code);
    expect(row, `${code} has no row in docs/errors.md`).toBeDefined();
    const spec = ERROR_TABLE[code];
    expect(row!.slice(1, 4)).toEqual([String(spec.http), String(spec.cmq), spec.sqs]);
    expect(row![4]!.length, `${code} needs a description of when it happens`).toBeGreaterThan(20);
  });

  it('documents no code that does not exist', () => {
    expect([...rows.keys()].filter((code) => !(ERROR_CODES as string[]).includes(code))).toEqual([]);
  });
});
