// Packages without type declarations (none published for these versions).
declare module 'cli-progress';
declare module 'pngjs';
