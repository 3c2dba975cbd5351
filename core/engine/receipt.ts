/**
 * Receipt handles: `<msgId>.<leaseToken in base 36>`. Each delivery draws a new random lease token,
 * so a handle from an earlier delivery never matches the current lease.
 */
import { randomFillSync } from 'node:crypto';
import { SpoolError } from '../errors.js';
import type { Receipt } from '../store/store.js';

const RECEIPT = /^([1-9][0-9]{0,15})\.([0-9a-z]{1,7})$/;

export function encodeReceipt(msgId: string, leaseToken: number): string {
  return `${msgId}.${leaseToken.toString(36)}`;
}

export function decodeReceipt(handle: unknown): Receipt {
  const match = typeof handle === 'string' ? RECEIPT.exec(handle) : null;
  if (!match) throw new SpoolError('RECEIPT_HANDLE_INVALID', 'receipt handle is malformed');
  return { msgId: match[1]!, leaseToken: Number.parseInt(match[2]!, 36) };
}

/** Random tokens drawn from the OS's CSPRNG in blocks: one per claim, so nobody can guess another consumer's handle. */
const tokens = new Uint32Array(256);
let nextToken = tokens.length;

/** A fresh lease token: 1 .. 2^32-1 (0 never appears, so a cleared token never matches). */
export function newLeaseToken(): number {
  if (nextToken === tokens.length) {
    randomFillSync(tokens);
    nextToken = 0;
  }
  return tokens[nextToken++] || 1;
}
