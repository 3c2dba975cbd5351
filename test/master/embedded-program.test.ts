/** An embedded program (engine, master and worker in one process) runs to the end of its awaits, then exits by itself. */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { killChildren, spawnScript } from '../helpers/children.js';
import { tempDir } from '../helpers/engine.js';

afterEach(killChildren);

it('waits through a retry backoff and a long poll with nothing else to keep it alive, then exits on its own', { timeout: 30_000 }, async () => {
  const child = spawnScript('test/master/embedded-program-child.ts', [join(tempDir(), 'spool.db')]);
  const exit = await child.exited;
  expect(child.stderr()).toBe('');
  expect(child.stdout()).toBe('result ok after 2 calls\nlong poll empty after its wait\n');
  expect(exit).toEqual({ code: 0, signal: null });
});
