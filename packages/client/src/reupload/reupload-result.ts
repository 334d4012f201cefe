// What the sender's phone answered to a media reupload request (its own file, so errors.ts and
// the reupload code can both name it without importing each other).

/** What the phone answered. */
export type MediaReuploadResult =
  | {
      /** The phone re-uploaded the media. */
      status: 'success';
      /** Its new direct path: download again with it. */
      directPath: string;
    }
  | {
      /** The phone could not (`not-found`: it no longer has the media). */
      status: 'general-error' | 'not-found' | 'decryption-error';
    };
