/**
 * Bytes read at a time and buffered per stage on the way of a backup or restore. Under the
 * allocator's large-object size, so the buffers of one chunk are reused for the next instead of
 * each being a fresh mapping that stays resident for the allocator's purge delay (60 s in pier
 * serve; docs/operations.md, Memory): pier's RSS during a backup is in docs/performance.md.
 */
export const streamChunk = 256 * 1024;
