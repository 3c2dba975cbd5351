/**
 * The CMQ endpoint's message actions over real HTTP: (Batch)SendMessage, (Batch)ReceiveMessage,
 * (Batch)DeleteMessage; received fields in seconds, CMQ's error codes, long polls, dead letters and
 * rewind.
 */
import { describe, expect, test } from 'vitest';
import { codes, nowSeconds, startCmqBroker, type CmqClient } from './cmq-client.js';

async function brokerWithQueue(params: Record<string, string | number> = {}) {
  const broker = await startCmqBroker();
  expect((await broker.cmq.call('CreateQueue', { queueName: 'jobs', ...params })).body.code).toBe(0);
  return broker;
}

function bodies(count: number, make = (i: number) => `m${i}`, first = 1): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`msgBody.${first + i}`, make(i)]));
}

describe('SendMessage and ReceiveMessage', () => {
  test('a message comes back with CMQ’s fields, its times in Unix seconds', async () => {
    const { cmq } = await brokerWithQueue({ visibilityTimeout: 45 });
    const before = nowSeconds();
    const sent = await cmq.call('SendMessage', { queueName: 'jobs', msgBody: 'hello, 世界 😀' });
    expect(sent.body).toEqual({ code: 0, message: '', requestId: expect.any(String), msgId: expect.stringMatching(/^[1-9][0-9]*$/) });
    const received = await cmq.call('ReceiveMessage', { queueName: 'jobs' });
    const after = nowSeconds();
    expect(received.body).toEqual({
      code: 0,
      message: '',
      requestId: expect.any(String),
      msgBody: 'hello, 世界 😀',
      msgId: sent.body.msgId,
      receiptHandle: expect.any(String),
      enqueueTime: expect.any(Number),
      firstDequeueTime: expect.any(Number),
      nextVisibleTime: expect.any(Number),
      dequeueCount: 1,
    });
    const { enqueueTime, firstDequeueTime, nextVisibleTime } = received.body;
    expect(enqueueTime).toBeGreaterThanOrEqual(before);
    expect(enqueueTime).toBeLessThanOrEqual(after);
    expect(firstDequeueTime).toBeGreaterThanOrEqual(enqueueTime);
    expect(nextVisibleTime - firstDequeueTime).toBeGreaterThanOrEqual(44);
    expect(nextVisibleTime - firstDequeueTime).toBeLessThanOrEqual(46);
  });

  test('an empty queue is error 7000, module 10200 ("no message")', async () => {
    const { cmq } = await brokerWithQueue();
    const empty = await cmq.call('ReceiveMessage', { queueName: 'jobs' });
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ code: 7000, message: '(10200)no message', requestId: expect.any(String) });
    expect(codes(await cmq.call('BatchReceiveMessage', { queueName: 'jobs', numOfMsg: 16 }))).toEqual([7000, 10200]);
  });

  test('delaySeconds (0-3600) hides the message for that long', async () => {
    const { cmq } = await brokerWithQueue();
    expect((await cmq.call('SendMessage', { queueName: 'jobs', msgBody: 'later', delaySeconds: 3600 })).body.code).toBe(0);
    expect(codes(await cmq.call('ReceiveMessage', { queueName: 'jobs' }))).toEqual([7000, 10200]);
    expect((await cmq.call('GetQueueAttributes', { queueName: 'jobs' })).body.delayMsgNum).toBe(1);
    expect(codes(await cmq.call('SendMessage', { queueName: 'jobs', msgBody: 'x', delaySeconds: 3601 }))).toEqual([4000, 10350]);
    expect(codes(await cmq.call('SendMessage', { queueName: 'jobs', msgBody: 'x', delaySeconds: 'soon' }))).toEqual([4000, 10360]);
  });

  test('bodies: empty is 10120, over maxMsgSize is 4400/10230, missing is 10390, a full queue 4410/10240', async () => {
    const { cmq, engine } = await brokerWithQueue({ maxMsgSize: 1024 });
    expect(codes(await cmq.call('SendMessage', { queueName: 'jobs', msgBody: '' }))).toEqual([4000, 10120]);
    expect(codes(await cmq.call('SendMessage', { queueName: 'jobs', msgBody: 'é'.repeat(513) }))).toEqual([4400, 10230]);
    expect((await cmq.call('SendMessage', { queueName: 'jobs', msgBody: 'é'.repeat(512) })).body.code).toBe(0);
    expect(codes(await cmq.call('SendMessage', { queueName: 'jobs' }))).toEqual([4000, 10390]);
    // CMQ's smallest maxMsgHeapNum is a million; a queue made natively can hold fewer.
    await engine.createQueue('small', { maxMsgHeapNum: 1 });
    await cmq.call('SendMessage', { queueName: 'small', msgBody: 'one' });
    expect(codes(await cmq.call('SendMessage', { queueName: 'small', msgBody: 'two' }))).toEqual([4410, 10240]);
    expect(codes(await cmq.call('BatchSendMessage', { queueName: 'small', ...bodies(2) }))).toEqual([4410, 10240]);
  });

  test('the long poll (pollingWaitSeconds) is woken by a send', async () => {
    const { cmq, client } = await brokerWithQueue();
    const started = Date.now();
    const waiting = cmq.call('ReceiveMessage', { queueName: 'jobs', pollingWaitSeconds: 10 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await client().call('SendMessage', { queueName: 'jobs', msgBody: 'wake up' });
    const received = await waiting;
    expect(received.body).toMatchObject({ code: 0, msgBody: 'wake up' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(codes(await cmq.call('ReceiveMessage', { queueName: 'jobs', pollingWaitSeconds: 31 }))).toEqual([4000, 10350]);
  });

  test('the long poll ends with 7000 when nothing comes; the queue’s pollingWaitSeconds is the default', async () => {
    const { cmq } = await brokerWithQueue({ pollingWaitSeconds: 1 });
    const started = Date.now();
    expect(codes(await cmq.call('ReceiveMessage', { queueName: 'jobs' }))).toEqual([7000, 10200]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  test('closing the broker ends a pending long poll at once with 7000', async () => {
    const { cmq, server } = await brokerWithQueue();
    const waiting = cmq.call('ReceiveMessage', { queueName: 'jobs', pollingWaitSeconds: 25 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await server.close();
    expect(codes(await waiting)).toEqual([7000, 10200]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('a broker with a shorter longPollMaxSeconds refuses a longer pollingWaitSeconds, naming its limit', async () => {
    const broker = await startCmqBroker({ limits: { longPollMaxSeconds: 2 } });
    await broker.cmq.call('CreateQueue', { queueName: 'jobs' });
    const reply = await broker.cmq.call('ReceiveMessage', { queueName: 'jobs', pollingWaitSeconds: 3 });
    expect(codes(reply)).toEqual([4000, 10350]);
    expect(reply.body.message).toContain('limits.longPollMaxSeconds');
  });
});

describe('BatchSendMessage and BatchReceiveMessage', () => {
  test('msgBody.n from 1 or from 0, one delaySeconds for the batch, msgList in order', async () => {
    const { cmq } = await brokerWithQueue();
    const sent = await cmq.call('BatchSendMessage', { queueName: 'jobs', ...bodies(16) });
    expect(sent.body.code).toBe(0);
    expect(sent.body.msgList).toHaveLength(16);
    expect(sent.body.msgList[0]).toEqual({ msgId: expect.any(String) });
    const zero = await cmq.call('BatchSendMessage', { queueName: 'jobs', ...bodies(2, (i) => `zero${i}`, 0), delaySeconds: 600 });
    expect(zero.body.msgList).toHaveLength(2);
    const received = await cmq.call('BatchReceiveMessage', { queueName: 'jobs', numOfMsg: 16 });
    expect(received.body.msgInfoList.map((m: { msgBody: string }) => m.msgBody)).toEqual(Array.from({ length: 16 }, (_, i) => `m${i}`));
    expect(received.body.msgInfoList.map((m: { msgId: string }) => m.msgId)).toEqual(sent.body.msgList.map((m: { msgId: string }) => m.msgId));
    expect(received.body.msgInfoList[0]).toEqual({
      msgBody: 'm0', msgId: expect.any(String), receiptHandle: expect.any(String),
      enqueueTime: expect.any(Number), firstDequeueTime: expect.any(Number), nextVisibleTime: expect.any(Number), dequeueCount: 1,
    });
    // The two delayed ones are not there yet.
    expect((await cmq.call('GetQueueAttributes', { queueName: 'jobs' })).body.delayMsgNum).toBe(2);
  });

  test('BatchReceiveMessage returns what is there, up to numOfMsg (1-16)', async () => {
    const { cmq } = await brokerWithQueue();
    await cmq.call('BatchSendMessage', { queueName: 'jobs', ...bodies(5) });
    expect((await cmq.call('BatchReceiveMessage', { queueName: 'jobs', numOfMsg: 3 })).body.msgInfoList).toHaveLength(3);
    expect((await cmq.call('BatchReceiveMessage', { queueName: 'jobs', numOfMsg: 16 })).body.msgInfoList).toHaveLength(2);
    expect(codes(await cmq.call('BatchReceiveMessage', { queueName: 'jobs', numOfMsg: 17 }))).toEqual([4000, 10350]);
    expect(codes(await cmq.call('BatchReceiveMessage', { queueName: 'jobs', numOfMsg: 0 }))).toEqual([4000, 10350]);
    expect(codes(await cmq.call('BatchReceiveMessage', { queueName: 'jobs' }))).toEqual([4000, 10390]);
  });

  test('batch rules: at most 16 (10370), contiguous indexes (10380), bodies together at most 1 MiB (4470/10300)', async () => {
    const { cmq } = await brokerWithQueue();
    expect(codes(await cmq.call('BatchSendMessage', { queueName: 'jobs', ...bodies(17) }))).toEqual([4000, 10370]);
    expect(codes(await cmq.call('BatchSendMessage', { queueName: 'jobs', 'msgBody.1': 'a', 'msgBody.3': 'c' }))).toEqual([4000, 10380]);
    expect(codes(await cmq.call('BatchSendMessage', { queueName: 'jobs', 'msgBody.2': 'a', 'msgBody.3': 'c' }))).toEqual([4000, 10380]);
    expect(codes(await cmq.call('BatchSendMessage', { queueName: 'jobs', 'msgBody.a': 'x' }))).toEqual([4000, 10310]);
    expect(codes(await cmq.call('BatchSendMessage', { queueName: 'jobs', 'msgBody.01': 'x' }))).toEqual([4000, 10310]);
    expect(codes(await cmq.call('BatchSendMessage', { queueName: 'jobs', msgBody: 'x' }))).toEqual([4000, 10310]);
    expect(codes(await cmq.call('BatchSendMessage', { queueName: 'jobs' }))).toEqual([4000, 10390]);
    const big = await cmq.call('BatchSendMessage', { queueName: 'jobs', ...bodies(2, () => 'x'.repeat(600_000)) });
    expect(codes(big)).toEqual([4470, 10300]);
    // A body of the batch that is empty fails the whole batch: Spool stores a batch whole or not at all.
    expect(codes(await cmq.call('BatchSendMessage', { queueName: 'jobs', 'msgBody.1': 'ok', 'msgBody.2': '' }))).toEqual([4000, 10120]);
    expect((await cmq.call('GetQueueAttributes', { queueName: 'jobs' })).body.activeMsgNum).toBe(0);
  });
});

describe('DeleteMessage and BatchDeleteMessage', () => {
  async function receiveAll(cmq: CmqClient, count: number): Promise<string[]> {
    await cmq.call('BatchSendMessage', { queueName: 'jobs', ...bodies(count) });
    const { body } = await cmq.call('BatchReceiveMessage', { queueName: 'jobs', numOfMsg: count });
    return body.msgInfoList.map((m: { receiptHandle: string }) => m.receiptHandle);
  }

  test('a handle deletes once: again it is stale (4430/10260); a malformed one is 4000/10470', async () => {
    const { cmq } = await brokerWithQueue();
    const [handle] = await receiveAll(cmq, 1);
    expect((await cmq.call('DeleteMessage', { queueName: 'jobs', receiptHandle: handle! })).body).toEqual({ code: 0, message: '', requestId: expect.any(String) });
    expect(codes(await cmq.call('DeleteMessage', { queueName: 'jobs', receiptHandle: handle! }))).toEqual([4430, 10260]);
    expect(codes(await cmq.call('DeleteMessage', { queueName: 'jobs', receiptHandle: 'not-a-handle' }))).toEqual([4000, 10470]);
    expect(codes(await cmq.call('DeleteMessage', { queueName: 'jobs' }))).toEqual([4000, 10390]);
    expect(codes(await cmq.call('DeleteMessage', { queueName: 'nope', receiptHandle: handle! }))).toEqual([4440, 10100]);
  });

  test('a handle dies at nextVisibleTime: after the lease the message comes back with a new one', async () => {
    const { cmq } = await brokerWithQueue({ visibilityTimeout: 1 });
    const [first] = await receiveAll(cmq, 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await cmq.call('ReceiveMessage', { queueName: 'jobs', pollingWaitSeconds: 3 });
    expect(again.body).toMatchObject({ code: 0, dequeueCount: 2 });
    expect(codes(await cmq.call('DeleteMessage', { queueName: 'jobs', receiptHandle: first! }))).toEqual([4430, 10260]);
    expect((await cmq.call('DeleteMessage', { queueName: 'jobs', receiptHandle: again.body.receiptHandle })).body.code).toBe(0);
  });

  test('all deleted: code 0; some failed: 6010 with errorList; all failed: 6020', async () => {
    const { cmq } = await brokerWithQueue();
    const handles = await receiveAll(cmq, 3);
    const handleParams = (list: string[]) => Object.fromEntries(list.map((h, i) => [`receiptHandle.${i}`, h]));
    expect((await cmq.call('BatchDeleteMessage', { queueName: 'jobs', ...handleParams(handles.slice(0, 2)) })).body).toEqual({ code: 0, message: '', requestId: expect.any(String) });
    const partly = await cmq.call('BatchDeleteMessage', { queueName: 'jobs', ...handleParams([handles[0]!, handles[2]!, 'junk']) });
    expect(partly.body).toEqual({
      code: 6010,
      message: '(10150)delete message partially failed',
      requestId: expect.any(String),
      errorList: [
        { code: 4000, message: expect.stringMatching(/^\(10470\)/), receiptHandle: 'junk' },
        { code: 4430, message: expect.stringMatching(/^\(10260\)/), receiptHandle: handles[0] },
      ],
    });
    const none = await cmq.call('BatchDeleteMessage', { queueName: 'jobs', ...handleParams([handles[2]!]) });
    expect(none.body).toMatchObject({ code: 6020, message: '(10290)delete message failed', errorList: [{ code: 4430, receiptHandle: handles[2] }] });
    const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`receiptHandle.${i + 1}`, 'x']));
    expect(codes(await cmq.call('BatchDeleteMessage', { queueName: 'jobs', ...tooMany }))).toEqual([4000, 10370]);
    expect(codes(await cmq.call('BatchDeleteMessage', { queueName: 'jobs', receiptHandle: handles[0]! }))).toEqual([4000, 10310]);
  });
});

describe('dead letters and rewind', () => {
  test('a message received maxReceiveCount times without delete moves to the deadLetterPolicy’s queue', async () => {
    const { cmq } = await startCmqBroker();
    await cmq.call('CreateQueue', { queueName: 'dlq' });
    const policy = JSON.stringify({ deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 2 });
    await cmq.call('CreateQueue', { queueName: 'jobs', visibilityTimeout: 1, deadLetterPolicy: policy });
    const { body: sent } = await cmq.call('SendMessage', { queueName: 'jobs', msgBody: 'poison' });
    expect((await cmq.call('ReceiveMessage', { queueName: 'jobs' })).body.dequeueCount).toBe(1);
    expect((await cmq.call('ReceiveMessage', { queueName: 'jobs', pollingWaitSeconds: 3 })).body.dequeueCount).toBe(2);
    const dead = await cmq.call('ReceiveMessage', { queueName: 'dlq', pollingWaitSeconds: 3 });
    expect(dead.body).toMatchObject({ code: 0, msgId: sent.msgId, msgBody: 'poison' });
    expect(codes(await cmq.call('ReceiveMessage', { queueName: 'jobs' }))).toEqual([7000, 10200]);
  });

  test('RewindQueue makes deleted messages sent since startConsumeTime receivable again, in production order', async () => {
    const { cmq } = await brokerWithQueue({ rewindSeconds: 3600 });
    const since = nowSeconds();
    await cmq.call('BatchSendMessage', { queueName: 'jobs', ...bodies(3) });
    const { body } = await cmq.call('BatchReceiveMessage', { queueName: 'jobs', numOfMsg: 3 });
    const handles = Object.fromEntries(body.msgInfoList.map((m: { receiptHandle: string }, i: number) => [`receiptHandle.${i + 1}`, m.receiptHandle]));
    expect((await cmq.call('BatchDeleteMessage', { queueName: 'jobs', ...handles })).body.code).toBe(0);
    expect((await cmq.call('GetQueueAttributes', { queueName: 'jobs' })).body).toMatchObject({ activeMsgNum: 0, rewindmsgNum: 3 });
    expect((await cmq.call('RewindQueue', { queueName: 'jobs', startConsumeTime: since })).body.code).toBe(0);
    const replayed = await cmq.call('BatchReceiveMessage', { queueName: 'jobs', numOfMsg: 16 });
    expect(replayed.body.msgInfoList.map((m: { msgBody: string }) => m.msgBody)).toEqual(['m0', 'm1', 'm2']);
  });
});
