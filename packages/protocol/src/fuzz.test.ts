// Bad input never crashes a parser: it returns a result or throws this package's typed error.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BinaryNode,
  getAttr,
  getChild,
  getChildren,
  requireChild,
  requireContentBytes,
  requireIntAttr,
} from './binary-node/binary-node.js';
import { isProtocolError } from './errors.js';
import { parseMediaConn } from './media-conn/media-conn.js';
import {
  isMediaRetryNotificationFor,
  parseMediaRetryNotification,
} from './media-retry/notification.js';
import { decodeMediaRetryNotification } from './media-retry/payload.js';
import { decodeMessage, encodeMessage } from './messages/codec.js';
import { message } from './test-support/arbitraries.js';
import { clean } from './test-support/wire.js';

const tags = [
  'iq',
  'media_conn',
  'host',
  'notification',
  'rmr',
  'encrypt',
  'enc_p',
  'enc_iv',
  'error',
  'upload',
];
const attrNames = [
  'type',
  'auth',
  'ttl',
  'auth_ttl',
  'hostname',
  'id',
  'code',
  'jid',
  'from_me',
  't',
  'max_buckets',
];
const attrValue = fc.oneof(
  fc.constantFrom('', '0', '300', '-1', 'x', 'result', 'error', 'mediaretry', 'true'),
  fc.string(),
);
const node: fc.Arbitrary<BinaryNode> = fc.letrec<{ node: BinaryNode }>((tie) => ({
  node: fc.record({
    tag: fc.constantFrom(...tags),
    attrs: fc.dictionary(fc.constantFrom(...attrNames), attrValue, { maxKeys: 5 }),
    content: fc.oneof(
      { depthSize: 'small' },
      fc.constant(undefined),
      fc.string({ maxLength: 8 }),
      fc.uint8Array({ maxLength: 16 }),
      fc.array(tie('node'), { maxLength: 4 }),
    ),
  }),
})).node;

// Structurally malformed trees, as an untyped caller or a buggy socket layer could pass them:
// missing or odd attrs, non-string tags and attribute values, children that are not nodes.
const junk = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.boolean(),
  fc.string({ maxLength: 4 }),
  fc.constant({}),
  fc.constant([]),
);
const looseAttrs = fc.oneof(
  fc.dictionary(fc.constantFrom(...attrNames), attrValue, { maxKeys: 5 }),
  fc.dictionary(fc.constantFrom(...attrNames), fc.oneof(attrValue, junk), { maxKeys: 5 }),
  junk,
);
const malformed: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    junk,
    fc.record(
      {
        tag: fc.oneof(fc.constantFrom(...tags), junk),
        attrs: looseAttrs,
        content: fc.oneof(
          { depthSize: 'small' },
          junk,
          fc.uint8Array({ maxLength: 32 }),
          fc.array(tie('node'), { maxLength: 4 }),
        ),
      },
      { requiredKeys: [] },
    ),
  ),
})).node;

/** Makes a tree cyclic: appends the root to the children of every node that has a child list. */
function withCycles(tree: unknown): unknown {
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    const content = (value as { content?: unknown }).content;
    if (Array.isArray(content)) {
      for (const child of [...content]) visit(child);
      content.push(tree);
    }
  };
  visit(tree);
  return tree;
}

function expectTypedOutcome(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(isProtocolError(error), String(error)).toBe(true);
  }
}

describe('fuzz', () => {
  it('parseMediaConn and parseMediaRetryNotification on random trees', () => {
    fc.assert(
      fc.property(node, (tree) => {
        expectTypedOutcome(() => parseMediaConn(tree, 0));
        expectTypedOutcome(() => parseMediaRetryNotification(tree));
      }),
      { numRuns: 1000 },
    );
  });

  it('every parser and helper on structurally malformed trees, also cyclic ones', () => {
    fc.assert(
      fc.property(malformed, fc.boolean(), (value, cyclic) => {
        const tree = (cyclic ? withCycles(value) : value) as BinaryNode;
        expectTypedOutcome(() => parseMediaConn(tree, 0));
        expectTypedOutcome(() => parseMediaRetryNotification(tree));
        expect(typeof isMediaRetryNotificationFor('x')(tree)).toBe('boolean');
        for (const name of attrNames) {
          expectTypedOutcome(() => getAttr(tree, name));
          expectTypedOutcome(() => requireIntAttr(tree, name));
        }
        for (const tag of tags) {
          expectTypedOutcome(() => getChild(tree, tag));
          expectTypedOutcome(() => requireChild(tree, tag));
        }
        expectTypedOutcome(() => getChildren(tree));
        expectTypedOutcome(() => requireContentBytes(tree));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodeMessage on random bytes: typed error, or a message that re-encodes to itself', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expectTypedOutcome(() => decodeMediaRetryNotification(bytes));
        let decoded: ReturnType<typeof decodeMessage>;
        try {
          decoded = decodeMessage(bytes);
        } catch (error) {
          expect(isProtocolError(error), String(error)).toBe(true);
          return;
        }
        expect(clean(decodeMessage(encodeMessage(decoded)))).toEqual(clean(decoded));
      }),
      { numRuns: 3000 },
    );
  });

  it('decodeMessage on mutated valid messages (truncated, a byte flipped)', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 1, max: 255 }), (original, at, xor) => {
        const bytes = encodeMessage(original);
        if (bytes.length === 0) return;
        const index = at % bytes.length;
        const flipped = bytes.slice();
        flipped[index] = (flipped[index] as number) ^ xor;
        for (const mutated of [bytes.subarray(0, index), flipped]) {
          try {
            const decoded = decodeMessage(mutated);
            expect(clean(decodeMessage(encodeMessage(decoded)))).toEqual(clean(decoded));
          } catch (error) {
            expect(isProtocolError(error), String(error)).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
