import type { BinaryNode } from '@wa-media/protocol';
import { EmulatorError } from '../errors.js';

/** Bytes in JSON: `{ "$b64": "<standard base64>" }`. */
export interface JsonBytes {
  /** The bytes in standard base64 (with padding). */
  $b64: string;
}

/** A BinaryNode as the control endpoint carries it. */
export interface JsonBinaryNode {
  /** Element name, as in {@link BinaryNode}. */
  tag: string;
  /** Attributes, as in {@link BinaryNode}. */
  attrs: Record<string, string>;
  /** Children, bytes as {@link JsonBytes}, or text; absent for an empty element. */
  content?: JsonBinaryNode[] | JsonBytes | string;
}

export function bytesToJson(bytes: Uint8Array): JsonBytes {
  return { $b64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
}

export function bytesFromJson(value: unknown, name: string): Uint8Array {
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as JsonBytes).$b64 !== 'string' ||
    !/^[A-Za-z0-9+/]*={0,2}$/.test((value as JsonBytes).$b64)
  ) {
    throw new EmulatorError('bad-node', `${name} must be {"$b64": "<base64>"}`);
  }
  return new Uint8Array(Buffer.from((value as JsonBytes).$b64, 'base64'));
}

/**
 * A BinaryNode as JSON for the control endpoint (bytes become {@link JsonBytes}). Never throws
 * for a well-formed node.
 * @example
 * ```ts
 * JSON.stringify(nodeToJson({ tag: 'enc_p', attrs: {}, content: new Uint8Array([1, 2]) }));
 * // {"tag":"enc_p","attrs":{},"content":{"$b64":"AQI="}}
 * ```
 */
export function nodeToJson(node: BinaryNode): JsonBinaryNode {
  const out: JsonBinaryNode = { tag: node.tag, attrs: { ...node.attrs } };
  if (node.content instanceof Uint8Array) out.content = bytesToJson(node.content);
  else if (Array.isArray(node.content)) out.content = node.content.map(nodeToJson);
  else if (typeof node.content === 'string') out.content = node.content;
  return out;
}

/**
 * The inverse of {@link nodeToJson}, checking every field of untrusted JSON.
 * @param path - How to name `value` in error messages (children get `path.content[i]`).
 * @throws {EmulatorError} `bad-node` when `value` is not a well-formed JSON node.
 */
export function nodeFromJson(value: unknown, path = 'node'): BinaryNode {
  if (typeof value !== 'object' || value === null) {
    throw new EmulatorError('bad-node', `${path} must be an object`);
  }
  const v = value as Record<string, unknown>;
  if (typeof v.tag !== 'string' || v.tag === '') {
    throw new EmulatorError('bad-node', `${path}.tag must be a non-empty string`);
  }
  const attrs: Record<string, string> = {};
  if (typeof v.attrs !== 'object' || v.attrs === null || Array.isArray(v.attrs)) {
    throw new EmulatorError('bad-node', `${path}.attrs must be an object`);
  }
  for (const [name, attr] of Object.entries(v.attrs)) {
    if (typeof attr !== 'string') {
      throw new EmulatorError('bad-node', `${path}.attrs.${name} must be a string`);
    }
    attrs[name] = attr;
  }
  const node: BinaryNode = { tag: v.tag, attrs };
  if (v.content === undefined || v.content === null) return node;
  if (typeof v.content === 'string') node.content = v.content;
  else if (Array.isArray(v.content)) {
    node.content = v.content.map((child, i) => nodeFromJson(child, `${path}.content[${i}]`));
  } else node.content = bytesFromJson(v.content, `${path}.content`);
  return node;
}
