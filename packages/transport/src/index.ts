export const packageName = '@wa-media/transport' as const;
