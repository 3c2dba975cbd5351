/**
 * The MD5 digests SQS returns so that clients can check what arrived: of a body (the UTF-8 bytes,
 * which @aws-sdk/client-sqs checks on every send and receive), and of a set of message attributes
 * (or system attributes), by SQS's algorithm: names sorted, then for each `len‖name‖len‖DataType‖
 * transport byte (1 String/Number, 2 Binary)‖len‖value`, lengths 4-byte big-endian. Lower-case hex.
 */
import { createHash, type Hash } from 'node:crypto';

/** A typed message attribute as SQS carries it; a Binary value is held as its base64 text. */
export interface TypedAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

/** The digest of a set of attributes, or undefined for none (SQS then leaves the MD5 member out). */
export function md5OfAttributes(attributes: Record<string, TypedAttribute>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const { DataType, StringValue, BinaryValue } = attributes[name]!;
    field(hash, Buffer.from(name, 'utf8'));
    field(hash, Buffer.from(DataType, 'utf8'));
    if (BinaryValue !== undefined) {
      hash.update(Uint8Array.of(2));
      field(hash, Buffer.from(BinaryValue, 'base64'));
    } else {
      hash.update(Uint8Array.of(1));
      field(hash, Buffer.from(StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}

function field(hash: Hash, bytes: Buffer): void {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  hash.update(length).update(bytes);
}
