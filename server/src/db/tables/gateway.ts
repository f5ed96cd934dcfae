// Tables owned by the gateway area. Conventions: ids are prefixed text; every integer (money in nano,
// tokens, counts, epoch-ms timestamps, 0/1 booleans) is a bigint column; JSON is text.
import type { Generated } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GatewayTables {}

export type _Generated = Generated<bigint>;
