export const packageName = '@wa-media/emulator' as const;
