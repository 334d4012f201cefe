export const packageName = '@wa-media/crypto' as const;
