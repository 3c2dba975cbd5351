import { describe, expect, it } from 'vitest';
import { STORE_KIND, testEngine } from '../helpers/engine.js';

describe(`engine on ${STORE_KIND}`, () => {
  it('sends, receives by priority then age, and deletes with the current receipt', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await engine.sendBatch('jobs', [{ body: 'low' }, { body: 'high', priority: 5 }, { body: 'low2' }]);
    const got = await engine.receiveBatch('jobs', { max: 16 });
    expect(got.map((m) => m.body)).toEqual(['high', 'low', 'low2']);
    for (const m of got) await engine.delete('jobs', m.receiptHandle);
    expect((await engine.stats('jobs')).activeMsgNum).toBe(0);
  });
});
