// What the sender's phone answered to a media reupload request (its own file, so errors.ts and
// the reupload code can both name it without importing each other).

/** What the phone answered. */
export type MediaReuploadResult =
  | { status: 'success'; directPath: string }
  | { status: 'general-error' | 'not-found' | 'decryption-error' };
