/**
 * The whole database as Kysely sees it. Each module adds its own tables by augmenting this interface
 * from its `*.tables.ts` file (declaration merging), so the platform never imports a module and a
 * module's tables are declared in one place beside its repository.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Database {}

/** Timestamps are ISO-8601 UTC text in both dialects: portable, sortable, and never a JS Date at the driver. */
export type IsoTime = string
/** Booleans are stored as 0/1 integers in both dialects (better-sqlite3 cannot bind booleans). */
export type Flag = 0 | 1
