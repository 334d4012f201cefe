// The binary node shape of WhatsApp's signalling stanzas and the checked accessors (children,
// attributes, integer attributes) every parser here uses.

import { BinaryNodeError } from '../errors.js';

/**
 * A signalling stanza as WhatsApp's binary XML carries it: the shape Baileys' sockets use, so
 * their `query` / `sendNode` take these nodes as they are.
 */
export interface BinaryNode {
  /** Element name, e.g. `iq`, `receipt`, `notification`. */
  tag: string;
  /** Attributes, all strings (`id`, `to`, `type`, …). */
  attrs: Record<string, string>;
  /** Child nodes, raw bytes, or text; absent for an empty element. */
  content?: BinaryNode[] | Uint8Array | string | undefined;
}

const utf8 = new TextEncoder();

/**
 * Checks the shape every helper relies on (an object with a string `tag` and an `attrs`
 * record). Nodes come from sockets and untyped callers, so a bad shape must become a typed
 * error rather than a TypeError deep inside a parser. Shallow on purpose: children are checked
 * when they are listed, which also keeps cyclic trees harmless.
 */
function assertNode(node: unknown): asserts node is BinaryNode {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    throw new BinaryNodeError(
      'invalid-node',
      '?',
      undefined,
      `expected a BinaryNode object, got ${node === null ? 'null' : Array.isArray(node) ? 'an array' : typeof node}`,
    );
  }
  const { tag, attrs } = node as { tag?: unknown; attrs?: unknown };
  if (typeof tag !== 'string' || tag === '') {
    throw new BinaryNodeError('invalid-node', '?', 'tag', 'BinaryNode has no string "tag"');
  }
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) {
    throw new BinaryNodeError(
      'invalid-node',
      tag,
      'attrs',
      `<${tag}> has no "attrs" object (got ${attrs === null ? 'null' : Array.isArray(attrs) ? 'an array' : typeof attrs})`,
    );
  }
}

function isNodeLike(value: unknown): value is BinaryNode {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { tag, attrs } = value as { tag?: unknown; attrs?: unknown };
  return (
    typeof tag === 'string' &&
    tag !== '' &&
    typeof attrs === 'object' &&
    attrs !== null &&
    !Array.isArray(attrs)
  );
}

/**
 * The child nodes of `node` (none when its content is bytes, text or absent).
 * @throws {BinaryNodeError} `'invalid-node'` for a bad `node`; `'invalid-content'` when the
 * content is of another type or a child is not a node.
 */
function childNodes(node: BinaryNode): BinaryNode[] {
  assertNode(node);
  const { content } = node as { content?: unknown };
  if (content === undefined || typeof content === 'string' || content instanceof Uint8Array) {
    return [];
  }
  if (!Array.isArray(content)) {
    throw new BinaryNodeError(
      'invalid-content',
      node.tag,
      undefined,
      `<${node.tag}> content is neither children, bytes nor text`,
    );
  }
  for (const child of content) {
    if (!isNodeLike(child)) {
      throw new BinaryNodeError(
        'invalid-content',
        node.tag,
        undefined,
        `<${node.tag}> has a child that is not a BinaryNode (needs a string "tag" and an "attrs" object)`,
      );
    }
  }
  return content as BinaryNode[];
}

/**
 * The first child of `node` with tag `tag`, if any.
 * @throws {BinaryNodeError} `'invalid-node'` / `'invalid-content'` for a malformed node.
 */
export function getChild(node: BinaryNode, tag: string): BinaryNode | undefined {
  return childNodes(node).find((child) => child.tag === tag);
}

/**
 * All children of `node`, or only those with tag `tag`, in document order.
 * @throws {BinaryNodeError} `'invalid-node'` / `'invalid-content'` for a malformed node.
 */
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

/**
 * The attribute `name` of `node`, if present (an `undefined` value counts as absent).
 * @throws {BinaryNodeError} `'invalid-node'` for a malformed node; `'invalid-attribute'` when
 * the value is not a string (the value is not printed).
 */
export function getAttr(node: BinaryNode, name: string): string | undefined {
  assertNode(node);
  if (!Object.hasOwn(node.attrs, name)) return undefined;
  const value: unknown = node.attrs[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new BinaryNodeError(
    'invalid-attribute',
    node.tag,
    name,
    `<${node.tag}> attribute "${name}" is not a string`,
  );
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
 * @throws {BinaryNodeError} `'invalid-node'` / `'invalid-content'` for a malformed node.
 */
export function getContentBytes(node: BinaryNode): Uint8Array | undefined {
  const content = childNodes(node).length === 0 ? node.content : undefined;
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
