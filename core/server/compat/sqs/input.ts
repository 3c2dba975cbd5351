/**
 * Reading request members of the AWS JSON protocol, strictly: a member of the wrong JSON type is
 * InvalidParameterValue and a missing required one MissingParameter, each naming the member. JSON
 * `null` counts as absent (the protocol omits unset members). Members this endpoint does not know
 * are ignored, as AWS does, so that a newer SDK's optional members do not break requests.
 */
import { describe } from '../../../engine/attributes.js';
import { SqsError } from './errors.js';

export type Members = Record<string, unknown>;

export function asMembers(value: unknown, what = 'request body'): Members {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SqsError('InvalidParameterValue', `${what} must be a JSON object, got ${describe(value)}`);
  }
  return value as Members;
}

function present(input: Members, name: string): unknown {
  const value = Object.hasOwn(input, name) ? input[name] : undefined;
  return value === null ? undefined : value;
}

function required(input: Members, name: string): unknown {
  const value = present(input, name);
  if (value === undefined) throw new SqsError('MissingParameter', `the request must contain the parameter ${name}`);
  return value;
}

function wrongType(name: string, expected: string, value: unknown): SqsError {
  return new SqsError('InvalidParameterValue', `${name} must be ${expected}, got ${describe(value)}`);
}

export function requireString(input: Members, name: string): string {
  const value = required(input, name);
  if (typeof value !== 'string') throw wrongType(name, 'a string', value);
  return value;
}

export function optionalString(input: Members, name: string): string | undefined {
  return present(input, name) === undefined ? undefined : requireString(input, name);
}

/** An integer from `min` to `max`; `range` says whose range it is when it is not SQS's own. */
export function requireInteger(input: Members, name: string, min: number, max: number, range = ''): number {
  const value = required(input, name);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SqsError('InvalidParameterValue', `${name} must be an integer from ${min} to ${max}${range}, got ${describe(value)}`);
  }
  return value;
}

export function optionalInteger(input: Members, name: string, min: number, max: number, range = ''): number | undefined {
  return present(input, name) === undefined ? undefined : requireInteger(input, name, min, max, range);
}

export function optionalStringList(input: Members, name: string): string[] | undefined {
  const value = present(input, name);
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw wrongType(name, 'a list of strings', value);
  return value as string[];
}

export function requireStringMap(input: Members, name: string): Record<string, string> {
  const map = asMembers(required(input, name), name);
  for (const [key, item] of Object.entries(map)) {
    if (typeof item !== 'string') throw wrongType(`${name}.${key}`, 'a string', item);
  }
  return map as Record<string, string>;
}

export function optionalStringMap(input: Members, name: string): Record<string, string> | undefined {
  return present(input, name) === undefined ? undefined : requireStringMap(input, name);
}

/** A map of objects (message attributes), or undefined. */
export function optionalObjectMap(input: Members, name: string): Record<string, Members> | undefined {
  const value = present(input, name);
  if (value === undefined) return undefined;
  const map = asMembers(value, name);
  for (const [key, item] of Object.entries(map)) asMembers(item, `${name}.${key}`);
  return map as Record<string, Members>;
}

/** A required list of objects (batch entries). */
export function requireObjectList(input: Members, name: string): Members[] {
  const value = required(input, name);
  if (!Array.isArray(value)) throw wrongType(name, 'a list', value);
  return value.map((item, i) => asMembers(item, `${name}[${i}]`));
}
