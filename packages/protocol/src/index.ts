export const packageName = '@wa-media/protocol' as const;
