// Header conversion shared by the fetch-based adapters.

/**
 * Fetch `Headers` → plain record with lower-cased names. `set-cookie` values are joined with a
 * newline (cookies may contain commas); other repeats are already joined with `, ` by `Headers`.
 */
export function headersToRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  const getSetCookie = (headers as Headers & { getSetCookie?: () => string[] }).getSetCookie;
  if (typeof getSetCookie === 'function') {
    const cookies = getSetCookie.call(headers);
    if (cookies.length > 0) out['set-cookie'] = cookies.join('\n');
  }
  return out;
}
