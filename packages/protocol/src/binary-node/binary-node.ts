import { BinaryNodeError } from '../errors.js';

/**
 * A signalling stanza as WhatsApp's binary XML carries it: the shape Baileys' sockets use, so
 * their `query` / `sendNode` take these nodes as they are.
 */
export interface BinaryNode {
  tag: string;
  attrs: Record<string, string>;
  content?: BinaryNode[] | Uint8Array | string | undefined;
}

const utf8 = new TextEncoder();

/** The child nodes of `node` (none when its content is bytes, text or absent). */
function childNodes(node: BinaryNode): BinaryNode[] {
  return Array.isArray(node.content) ? node.content : [];
}

/** The first child of `node` with tag `tag`, if any. */
export function getChild(node: BinaryNode, tag: string): BinaryNode | undefined {
  return childNodes(node).find((child) => child.tag === tag);
}

/** All children of `node`, or only those with tag `tag`, in document order. */
export function getChildren(node: BinaryNode, tag?: string): BinaryNode[] {
  const children = childNodes(node);
  return tag === undefined ? [...children] : children.filter((child) => child.tag === tag);
}

/**
 * The first child of `node` with tag `tag`.
 * @throws {BinaryNodeError} `code: 'missing-child'` when there is none.
 */
export function requireChild(node: BinaryNode, tag: string): BinaryNode {
  const child = getChild(node, tag);
  if (child === undefined) {
    throw new BinaryNodeError(
      'missing-child',
      node.tag,
      tag,
      `<${node.tag}> has no <${tag}> child`,
    );
  }
  return child;
}

/** The attribute `name` of `node`, if present. */
export function getAttr(node: BinaryNode, name: string): string | undefined {
  return Object.hasOwn(node.attrs, name) ? node.attrs[name] : undefined;
}

/**
 * The attribute `name` of `node`.
 * @throws {BinaryNodeError} `code: 'missing-attribute'` when it is absent or empty.
 */
export function requireAttr(node: BinaryNode, name: string): string {
  const value = getAttr(node, name);
  if (value === undefined || value === '') {
    throw new BinaryNodeError(
      'missing-attribute',
      node.tag,
      name,
      `<${node.tag}> has no "${name}" attribute`,
    );
  }
  return value;
}

const decimalInteger = /^-?\d+$/;

/** Bounds for the integer attribute getters. */
export interface IntAttrOptions {
  /** Smallest accepted value. @default Number.MIN_SAFE_INTEGER */
  min?: number;
  /** Largest accepted value. @default Number.MAX_SAFE_INTEGER */
  max?: number;
}

/**
 * The attribute `name` of `node` as an integer, or `undefined` when absent.
 * @throws {BinaryNodeError} `code: 'invalid-attribute'` when present but not a decimal safe
 * integer within the bounds (the value itself is not printed: attributes may be secrets).
 */
export function getIntAttr(
  node: BinaryNode,
  name: string,
  options: IntAttrOptions = {},
): number | undefined {
  const raw = getAttr(node, name);
  if (raw === undefined) return undefined;
  const value = decimalInteger.test(raw) ? Number(raw) : Number.NaN;
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new BinaryNodeError(
      'invalid-attribute',
      node.tag,
      name,
      `<${node.tag}> attribute "${name}" is not an integer in [${min}, ${max}]`,
    );
  }
  return value;
}

/**
 * The attribute `name` of `node` as an integer.
 * @throws {BinaryNodeError} `'missing-attribute'` when absent, `'invalid-attribute'` when not
 * a decimal safe integer within the bounds.
 */
export function requireIntAttr(
  node: BinaryNode,
  name: string,
  options: IntAttrOptions = {},
): number {
  requireAttr(node, name);
  return getIntAttr(node, name, options) as number;
}

/**
 * The content of `node` as bytes: `Uint8Array` content as is, text content UTF-8 encoded (as
 * Baileys' encoder writes it); `undefined` when it has children or no content.
 */
export function getContentBytes(node: BinaryNode): Uint8Array | undefined {
  const { content } = node;
  if (content instanceof Uint8Array) return content;
  if (typeof content === 'string') return utf8.encode(content);
  return undefined;
}

/**
 * The content of `node` as bytes (see {@link getContentBytes}).
 * @throws {BinaryNodeError} `code: 'invalid-content'` when it has children or no content.
 */
export function requireContentBytes(node: BinaryNode): Uint8Array {
  const bytes = getContentBytes(node);
  if (bytes === undefined) {
    throw new BinaryNodeError(
      'invalid-content',
      node.tag,
      undefined,
      `<${node.tag}> has no byte content`,
    );
  }
  return bytes;
}
