// Migrations of the gateway area. Names are globally ordered by their number prefix; forward-only.
import type { Migration } from 'kysely';

export const gatewayMigrations: Record<string, Migration> = {};
