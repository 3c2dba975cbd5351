import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine, FakeClock, openEngine, type SendInput } from '../../core/index.js';
import { closeAfterTest, tempDir, testEngine, testStore } from '../helpers/engine.js';
import { rejectsWith } from '../helpers/expect.js';

const NOTHING = { activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0, rewindMsgNum: 0, minMsgTime: null };

describe('queue names', () => {
  it.each([
    ['empty', ''],
    ['81 characters', 'q'.repeat(81)],
    ['a digit first', '1queue'],
    ['a dash first', '-queue'],
    ['an underscore first', '_queue'],
    ['a space', 'my queue'],
    ['a dot', 'orders.fifo'],
    ['a slash', 'a/b'],
    ['non-ASCII letters', 'kolejka-ż'],
    ['a trailing newline', 'jobs\n'],
    ['a number', 42],
    ['null', null],
  ])('rejects a name with %s (INVALID_NAME) and creates nothing', async (_, name) => {
    const { engine } = testEngine();
    await rejectsWith(engine.createQueue(name as string), 'INVALID_NAME');
    await rejectsWith(engine.getQueue(name as string), 'INVALID_NAME');
    await rejectsWith(engine.send(name as string, { body: 'x' }), 'INVALID_NAME');
    await rejectsWith(engine.deleteQueue(name as string), 'INVALID_NAME');
    await rejectsWith(engine.stats(name as string), 'INVALID_NAME');
    expect((await engine.listQueues()).total).toBe(0);
  });

  it('accepts 1-80 characters: a letter, then letters, digits, - and _', async () => {
    const { engine } = testEngine();
    for (const name of ['q', 'Q', 'q'.repeat(80), 'a-b_c-9', 'Z0_-']) expect((await engine.createQueue(name)).created).toBe(true);
  });

  it('checks replyTo as a queue name', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await rejectsWith(engine.send('jobs', { body: 'x', replyTo: 'not a name' }), 'INVALID_NAME');
    await rejectsWith(engine.send('jobs', { body: 'x', replyTo: '' }), 'INVALID_NAME');
    expect(await engine.stats('jobs')).toEqual(NOTHING);
  });
});

describe('message bodies', () => {
  it.each([
    ['a number', 42],
    ['null', null],
    ['missing', undefined],
    ['an object', { text: 'hi' }],
    ['a Buffer', Buffer.from('hi')],
    ['empty', ''],
  ])('rejects a body that is %s (INVALID_MESSAGE_BODY)', async (_, body) => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await rejectsWith(engine.send('jobs', { body } as unknown as SendInput), 'INVALID_MESSAGE_BODY');
    await rejectsWith(engine.sendBatch('jobs', [{ body: 'fine' }, { body } as unknown as SendInput]), 'INVALID_MESSAGE_BODY');
    expect(await engine.stats('jobs')).toEqual(NOTHING);
  });

  it.each([
    ['a lone high surrogate', 'ab\uD800cd'],
    ['a lone low surrogate', '\uDC00'],
    ['a reversed pair', '\uDE00\uD83D'],
    ['a high surrogate at the end', 'text\uD83D'],
  ])('rejects a body with %s, which has no UTF-8 form (INVALID_MESSAGE_BODY)', async (_, body) => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await rejectsWith(engine.send('jobs', { body }), 'INVALID_MESSAGE_BODY');
    expect(await engine.stats('jobs')).toEqual(NOTHING);
  });

  it('measures maxMsgSize in UTF-8 bytes (MESSAGE_TOO_LARGE above it)', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs', { maxMsgSize: 1024 });
    await engine.send('jobs', { body: 'x'.repeat(1024) });
    await engine.send('jobs', { body: '😀'.repeat(256) }); // 4 bytes each: exactly 1024
    await engine.send('jobs', { body: '€'.repeat(341) + 'x' }); // 3 × 341 + 1 = 1024
    await rejectsWith(engine.send('jobs', { body: 'x'.repeat(1025) }), 'MESSAGE_TOO_LARGE');
    const err = await rejectsWith(engine.send('jobs', { body: '€'.repeat(342) }), 'MESSAGE_TOO_LARGE'); // 342 characters, 1026 bytes
    expect(err.message).toContain('1026');
    await rejectsWith(engine.send('jobs', { body: '😀'.repeat(256) + 'x' }), 'MESSAGE_TOO_LARGE');
    expect((await engine.stats('jobs')).activeMsgNum).toBe(3);
    expect((await engine.receiveBatch('jobs')).map((m) => Buffer.byteLength(m.body))).toEqual([1024, 1024, 1024]);
  });

  it('takes bodies up to 1 MiB by default', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await engine.send('jobs', { body: 'x'.repeat(1_048_576) });
    await rejectsWith(engine.send('jobs', { body: 'x'.repeat(1_048_577) }), 'MESSAGE_TOO_LARGE');
    expect((await engine.receive('jobs'))!.body).toHaveLength(1_048_576);
  });
});

describe('message fields', () => {
  it.each([
    ['an unknown field', { body: 'x', msgBody: 'x' }],
    ['a misspelt field', { body: 'x', delay: 5 }],
    ['not an object', 'just text'],
    ['an array', ['x']],
    ['null', null],
    ['a fractional delaySeconds', { body: 'x', delaySeconds: 1.5 }],
    ['a string delaySeconds', { body: 'x', delaySeconds: '5' }],
    ['a NaN delaySeconds', { body: 'x', delaySeconds: Number.NaN }],
    ['an infinite delaySeconds', { body: 'x', delaySeconds: Infinity }],
    ['a negative delaySeconds', { body: 'x', delaySeconds: -1 }],
    ['a fractional priority', { body: 'x', priority: 0.5 }],
    ['a string priority', { body: 'x', priority: '1' }],
    ['attributes that are a string', { body: 'x', attributes: 'a=b' }],
    ['attributes that are an array', { body: 'x', attributes: ['a'] }],
    ['a numeric attribute value', { body: 'x', attributes: { n: 1 } }],
    ['17 attributes', { body: 'x', attributes: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }],
    ['an attribute name over 128 characters', { body: 'x', attributes: { ['k'.repeat(129)]: 'v' } }],
    ['an attribute value over 4096 characters', { body: 'x', attributes: { k: 'v'.repeat(4097) } }],
    ['an attribute value with a lone surrogate', { body: 'x', attributes: { k: '\uD800' } }],
    ['an empty correlationId', { body: 'x', correlationId: '' }],
    ['a correlationId over 128 characters', { body: 'x', correlationId: 'c'.repeat(129) }],
    ['a numeric correlationId', { body: 'x', correlationId: 7 }],
    ['a NUL in a correlationId', { body: 'x', correlationId: 'a\u0000b' }],
    ['a NUL in a dedupId', { body: 'x', dedupId: 'a\u0000b' }],
    ['an attribute named __proto__', { body: 'x', attributes: JSON.parse('{"__proto__": "x"}') as Record<string, string> }],
  ])('rejects a message with %s (INVALID_PARAMETER), storing nothing', async (_, message) => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await rejectsWith(engine.send('jobs', message as SendInput), 'INVALID_PARAMETER');
    await rejectsWith(engine.sendBatch('jobs', [{ body: 'fine' }, message as SendInput]), 'INVALID_PARAMETER');
    expect(await engine.stats('jobs')).toEqual(NOTHING);
  });

  it('accepts the limits themselves', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const attributes = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`${'k'.repeat(120)}${i}`, 'v'.repeat(4096)]));
    await engine.send('jobs', { body: 'x', attributes, correlationId: 'c'.repeat(128), dedupId: 'd'.repeat(128) });
    expect((await engine.receive('jobs'))!.attributes).toEqual(attributes);
  });
});

describe('a closed engine', () => {
  it('refuses every call with CLOSED', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await engine.send('jobs', { body: 'x' });
    await engine.close();
    await engine.close(); // idempotent
    await rejectsWith(engine.createQueue('other'), 'CLOSED');
    await rejectsWith(engine.getQueue('jobs'), 'CLOSED');
    await rejectsWith(engine.listQueues(), 'CLOSED');
    await rejectsWith(engine.send('jobs', { body: 'x' }), 'CLOSED');
    await rejectsWith(engine.receive('jobs'), 'CLOSED');
    await rejectsWith(engine.stats('jobs'), 'CLOSED');
    await rejectsWith(engine.delete('jobs', '1.a'), 'CLOSED');
  });
});

describe('engine and store options', () => {
  it('refuses a misspelled durability (it must not turn fsync off) and a sweep interval out of range', () => {
    const path = join(tempDir(), 'spool.db');
    expect(() => openEngine({ path, durability: 'yolo' as never })).toThrow(/durability must be 'fsync' or 'process', got "yolo"/);
    for (const sweepIntervalMs of [0, -1, 1.5, 4_000_000]) expect(() => openEngine({ path, sweepIntervalMs })).toThrow(/sweepIntervalMs must be a whole number/);
  });
});

describe('consume', () => {
  it('needs a handler', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    expect(() => engine.consume('jobs', { prefetch: 1 }, undefined as never)).toThrow(/consume needs a handler function/);
  });
});

describe('handlers that throw what no one expects', () => {
  it('a consumer throwing a value String() cannot convert, and an onError that throws, leave the engine serving', async () => {
    const errors: unknown[] = [];
    const engine = closeAfterTest(
      new Engine({
        store: testStore(),
        clock: new FakeClock(),
        onError: (err) => {
          errors.push(err);
          throw new Error('and the error handler fails too');
        },
      }),
    );
    const warned = once(process, 'warning');
    await engine.createQueue('jobs');
    engine.consume('jobs', { prefetch: 1 }, () => {
      throw Object.create(null) as unknown;
    });
    await engine.send('jobs', { body: 'x' });
    const [warning] = (await warned) as [Error];
    expect(warning.message).toMatch(/onError threw: and the error handler fails too/);
    expect(errors[0]).toMatchObject({ code: 'INTERNAL', message: '[object Object]' });
    expect(await engine.send('jobs', { body: 'still serving' })).toMatch(/^\d+$/);
  });
});
