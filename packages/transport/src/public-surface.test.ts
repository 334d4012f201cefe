// The public surface on purpose: every runtime export of each entry point and every subpath of
// package.json "exports" is listed here, so adding or removing one is a visible decision in
// review (refresh with `pnpm exec vitest run --project transport src/public-surface.test.ts -u`).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, unknown>;
};

describe('public surface of @wa-media/transport', () => {
  it('has these package.json export subpaths', () => {
    expect(Object.keys(manifest.exports)).toMatchInlineSnapshot(`
      [
        ".",
        "./node",
        "./package.json",
      ]
    `);
  });

  it('exports these names from the main entry', async () => {
    expect(Object.keys(await import('./index.js')).sort()).toMatchInlineSnapshot(`
      [
        "AbortError",
        "BODY_SNIPPET_MAX_CHARS",
        "ContentLengthMismatchError",
        "DEFAULT_MAX_REDIRECTS",
        "DEFAULT_READ_MAX_BYTES",
        "DEFAULT_TIMEOUTS",
        "HttpError",
        "HttpStatusError",
        "NetworkError",
        "REDACTED",
        "RangeMismatchError",
        "ResponseParseError",
        "ResponseTooLargeError",
        "SAFE_QUERY_PARAMS",
        "SECRET_HEADERS",
        "SECRET_QUERY_PARAMS",
        "TimeoutError",
        "assertOk",
        "bufferedHttpClient",
        "collectSecrets",
        "createFetchClient",
        "createKyClient",
        "createSafeLogger",
        "defineHttpClient",
        "formatRangeHeader",
        "isAbortError",
        "isContentLengthMismatchError",
        "isHttpError",
        "isHttpStatusError",
        "isNetworkError",
        "isPrivateAddress",
        "isRangeMismatchError",
        "isResponseParseError",
        "isResponseTooLargeError",
        "isSecretQueryParam",
        "isTimeoutError",
        "logSafeUrl",
        "parseContentRange",
        "parseRetryAfter",
        "readBytes",
        "readJson",
        "readText",
        "redactHeaders",
        "redactQueryValues",
        "redactText",
        "redactUrl",
        "secretForms",
      ]
    `);
  });

  it('exports these names from ./node', async () => {
    expect(Object.keys(await import('./node.js')).sort()).toMatchInlineSnapshot(`
      [
        "createNodeHttpClient",
      ]
    `);
  });
});
