export const packageName = '@wa-media/store' as const;
