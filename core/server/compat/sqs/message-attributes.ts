/**
 * SQS's typed message attributes (String, Number, Binary, and custom types such as
 * `Number.float`), checked at the edge and kept in Spool's plain string attributes so that native
 * consumers can still read them:
 *  - each attribute under its own name with its value as text, a Binary one in base64;
 *  - the DataType of every attribute that is not plain `String` in one more attribute,
 *    `sqs:dataTypes`, JSON such as `{"price":"Number","photo":"Binary"}` (absent when all are String);
 *  - the system attribute AWSTraceHeader as `sqs:AWSTraceHeader`.
 * The `sqs:` names cannot clash with an SQS attribute (`:` is not allowed in one) and are never
 * returned as message attributes. A message sent natively reads back with each attribute a String.
 */
import { LIMITS } from '../../../limits.js';
import { SqsError } from './errors.js';
import { asMembers, type Members } from './input.js';
import type { TypedAttribute } from './md5.js';

const DATA_TYPES_KEY = 'sqs:dataTypes';
const TRACE_HEADER_KEY = 'sqs:AWSTraceHeader';
const RESERVED_PREFIX = 'sqs:';
/** SQS's limit per message. */
const ATTRIBUTES_MAX = 10;
const DATA_TYPE_MAX_LENGTH = 256;

const NAME = /^[A-Za-z0-9_.-]+$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[A-Za-z0-9_.-]+)?$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** The characters SQS allows in bodies and String values: XML's `#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF`. */
const NOT_SQS_TEXT = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export type TypedAttributes = Record<string, TypedAttribute>;

export function isSqsText(text: string): boolean {
  return !NOT_SQS_TEXT.test(text);
}

/** Checks a request's MessageAttributes (SQS's rules, and Spool's narrower name and value lengths). */
export function readMessageAttributes(map: Record<string, Members> | undefined): TypedAttributes {
  const entries = Object.entries(map ?? {});
  if (entries.length > ATTRIBUTES_MAX) {
    throw new SqsError('InvalidParameterValue', `a message may carry at most ${ATTRIBUTES_MAX} message attributes, got ${entries.length}`);
  }
  const out: TypedAttributes = {};
  for (const [name, value] of entries) {
    checkName(name);
    out[name] = readValue(`message attribute ${JSON.stringify(name)}`, value);
  }
  return out;
}

/** Checks a request's MessageSystemAttributes: SQS has one, AWSTraceHeader, a String. */
export function readTraceHeader(map: Record<string, Members> | undefined): string | undefined {
  let header: string | undefined;
  for (const [name, value] of Object.entries(map ?? {})) {
    if (name !== 'AWSTraceHeader') throw new SqsError('InvalidParameterValue', `message system attribute ${JSON.stringify(name.slice(0, 100))} is not valid; the one there is is AWSTraceHeader`);
    const typed = readValue('message system attribute AWSTraceHeader', value);
    if (typed.DataType !== 'String') throw new SqsError('InvalidParameterValue', 'message system attribute AWSTraceHeader must have DataType String');
    header = typed.StringValue;
  }
  return header;
}

function checkName(name: string): void {
  const problem =
    name.length === 0 ? 'must not be empty'
    : name.length > LIMITS.attributeKeyMaxLength ? `is longer than ${LIMITS.attributeKeyMaxLength} characters (Spool's limit; SQS allows 256)`
    : !NAME.test(name) ? 'may hold only letters, digits, "_", "-" and "."'
    : /^(aws|amazon)\./i.test(name) ? 'must not start with "AWS." or "Amazon."'
    : name.startsWith('.') || name.endsWith('.') || name.includes('..') ? 'must not start or end with "." or hold ".."'
    : null;
  if (problem !== null) throw new SqsError('InvalidParameterValue', `message attribute name ${JSON.stringify(name.slice(0, 300))} ${problem}`);
}

function readValue(what: string, raw: Members): TypedAttribute {
  const { DataType, StringValue, BinaryValue, StringListValues, BinaryListValues } = asMembers(raw, what);
  if (StringListValues != null || BinaryListValues != null) throw new SqsError('InvalidParameterValue', `${what}: list values are not implemented (in SQS either)`);
  if (typeof DataType !== 'string') throw new SqsError('InvalidParameterValue', `${what} must have a DataType string`);
  const type = DATA_TYPE.exec(DataType)?.[1];
  if (type === undefined || DataType.length > DATA_TYPE_MAX_LENGTH) {
    throw new SqsError('InvalidParameterValue', `${what} has DataType ${JSON.stringify(DataType.slice(0, 300))}; it must be String, Number or Binary, optionally followed by ".label" (at most ${DATA_TYPE_MAX_LENGTH} characters)`);
  }
  if (type === 'Binary') {
    if (typeof BinaryValue !== 'string' || BinaryValue === '' || StringValue != null || !BASE64.test(BinaryValue)) {
      throw new SqsError('InvalidParameterValue', `${what} of type Binary must have a non-empty base64 BinaryValue and no StringValue`);
    }
    checkStoredLength(what, BinaryValue, ' (3072 bytes of binary)');
    return { DataType, BinaryValue };
  }
  if (typeof StringValue !== 'string' || StringValue === '' || BinaryValue != null) {
    throw new SqsError('InvalidParameterValue', `${what} of type ${type} must have a non-empty StringValue and no BinaryValue`);
  }
  if (!isSqsText(StringValue)) throw new SqsError('InvalidParameterValue', `${what} holds characters SQS does not allow (see InvalidMessageContents)`);
  if (type === 'Number') checkNumber(what, StringValue);
  checkStoredLength(what, StringValue, '');
  return { DataType, StringValue };
}

/** SQS's Number: up to 38 significant digits, from -10^128 to 10^126. */
function checkNumber(what: string, text: string): void {
  const digits = text.replace(/[eE].*$/, '').replace(/[^0-9]/g, '').replace(/^0+/, '').replace(/0+$/, '');
  const value = Number(text);
  if (!NUMBER.test(text) || digits.length > 38 || value < -1e128 || value > 1e126) {
    throw new SqsError('InvalidParameterValue', `${what} of type Number must be a decimal number of at most 38 digits from -10^128 to 10^126`);
  }
}

function checkStoredLength(what: string, text: string, note: string): void {
  if (text.length > LIMITS.attributeValueMaxLength) {
    throw new SqsError('InvalidParameterValue', `${what} is longer than Spool's ${LIMITS.attributeValueMaxLength} characters per attribute value${note}`);
  }
}

/** What the attributes add to a message's size, as SQS counts it: names, types and values, in bytes. */
export function attributesSize(attributes: TypedAttributes): number {
  let bytes = 0;
  for (const [name, { DataType, StringValue, BinaryValue }] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(DataType);
    bytes += BinaryValue !== undefined ? Buffer.byteLength(BinaryValue, 'base64') : Buffer.byteLength(StringValue ?? '');
  }
  return bytes;
}

/** Spool's attribute map for a message's typed attributes and trace header (undefined for none). */
export function toSpoolAttributes(attributes: TypedAttributes, traceHeader: string | undefined): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const dataTypes: Record<string, string> = {};
  for (const [name, { DataType, StringValue, BinaryValue }] of Object.entries(attributes)) {
    out[name] = BinaryValue ?? StringValue!;
    if (DataType !== 'String') dataTypes[name] = DataType;
  }
  if (Object.keys(dataTypes).length > 0) {
    const json = JSON.stringify(dataTypes);
    if (json.length > LIMITS.attributeValueMaxLength) throw new SqsError('InvalidParameterValue', 'the message attributes\' names and DataTypes together are too long for Spool to keep');
    out[DATA_TYPES_KEY] = json;
  }
  if (traceHeader !== undefined) out[TRACE_HEADER_KEY] = traceHeader;
  return Object.keys(out).length === 0 ? undefined : out;
}

/** A stored message's attributes back in SQS's terms. */
export function fromSpoolAttributes(stored: Record<string, string>): { attributes: TypedAttributes; traceHeader: string | undefined } {
  const dataTypes = parseDataTypes(stored[DATA_TYPES_KEY]);
  const attributes: TypedAttributes = {};
  for (const [name, value] of Object.entries(stored)) {
    if (name.startsWith(RESERVED_PREFIX)) continue;
    const DataType = Object.hasOwn(dataTypes, name) ? dataTypes[name]! : 'String';
    // A Binary whose stored text is not base64 (written natively) would break the client's decoding: it reads as a String.
    if (DataType.startsWith('Binary') && BASE64.test(value)) attributes[name] = { DataType, BinaryValue: value };
    else attributes[name] = { DataType: DataType.startsWith('Binary') ? 'String' : DataType, StringValue: value };
  }
  return { attributes, traceHeader: stored[TRACE_HEADER_KEY] };
}

/** A native sender may have written anything under the reserved name: what is not a map of types is ignored. */
function parseDataTypes(json: string | undefined): Record<string, string> {
  if (json === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter(([, type]) => typeof type === 'string' && DATA_TYPE.test(type)));
  } catch {
    return {};
  }
}

/** The attributes ReceiveMessage's MessageAttributeNames ask for: `All` or `.*`, `prefix.*`, or exact names. */
export function selectAttributes(attributes: TypedAttributes, names: string[]): TypedAttributes {
  if (names.includes('All') || names.includes('.*')) return attributes;
  const prefixes = names.filter((n) => n.endsWith('.*')).map((n) => n.slice(0, -1));
  const exact = new Set(names);
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => exact.has(name) || prefixes.some((p) => name.startsWith(p))));
}
