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
import { parseResumeProbe, parseUploadReply } from './cdn/replies.js';
import { isProtocolError } from './errors.js';
import { MAX_JID_LENGTH, parseJid, tryParseJid } from './jid/jid.js';
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
        expect(typeof isMediaRetryNotificationFor('x', { chatJid: '1@s.whatsapp.net' })(tree)).toBe(
          'boolean',
        );
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

  // What a CDN (or anything answering at its address) sends back as JSON: any value at all.
  const json = fc.jsonValue({ maxDepth: 4 });
  const replyLike = fc.record(
    {
      url: fc.oneof(fc.string(), fc.constant('https://mmg.whatsapp.net/x'), json),
      direct_path: fc.oneof(fc.string(), fc.constant('/v/t62/x.enc?oh=1'), json),
      handle: fc.oneof(fc.string(), json),
      resume: fc.oneof(fc.string(), fc.integer(), json),
      object_id: fc.oneof(fc.string(), json),
    },
    { requiredKeys: [] },
  );

  it('parseUploadReply and parseResumeProbe on any JSON: typed error or a checked reply', () => {
    fc.assert(
      fc.property(fc.oneof(json, replyLike), fc.integer({ min: 0, max: 599 }), (value, status) => {
        try {
          const reply = parseUploadReply(value);
          expect(typeof reply.directPath).toBe('string');
          expect(reply.directPath.startsWith('/')).toBe(true);
        } catch (error) {
          expect(isProtocolError(error), String(error)).toBe(true);
        }
        expectTypedOutcome(() => parseResumeProbe(status, value, 1000));
      }),
      { numRuns: 2000 },
    );
  });

  it('parseJid on any string (also huge ones): a JID that formats back, or InvalidJidError', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({
        unit: fc.constantFrom(...'0123456789@.:-sgwhatsapp.net'.split('')),
        maxLength: 160,
      }),
    );
    fc.assert(
      fc.property(text, (value) => {
        expectTypedOutcome(() => parseJid(value));
        if (value.length > MAX_JID_LENGTH) expect(tryParseJid(value)).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
  });
});
