// The sender's mimetype is served back as Content-Type: only RFC 9110 media-type syntax passes.

// tchar of RFC 9110 §5.6.2; a token is one or more of them.
const token = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
// quoted-string of RFC 9110 §5.6.4 without obs-text: printable ASCII, space and tab only.
const quotedString = '"(?:[\\t !#-\\[\\]-~]|\\\\[\\t -~])*"';
// OWS is spaces and tabs only: CR and LF never get in.
const parameter = `[ \\t]*;[ \\t]*(?:${token}=(?:${token}|${quotedString}))?`;
const mediaTypePattern = new RegExp(`^${token}/${token}(?:${parameter})*$`);

/** Longest mimetype kept; longer ones are replaced like malformed ones. */
export const MAX_MIME_TYPE_LENGTH = 255;

/**
 * True for a `type/subtype` with optional `; name=value` parameters in RFC 9110 media-type
 * syntax (tokens and quoted strings, spaces and tabs as whitespace), at most
 * {@link MAX_MIME_TYPE_LENGTH} characters: a value that is always safe as a header.
 */
export function isValidMimeType(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= MAX_MIME_TYPE_LENGTH &&
    mediaTypePattern.test(value)
  );
}
