// Tables owned by the identity area. Conventions: ids are prefixed text; every integer (money in nano,
// tokens, counts, epoch-ms timestamps, 0/1 booleans) is a bigint column; JSON is text.
import type { Generated } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface IdentityTables {}

export type _Generated = Generated<bigint>;
