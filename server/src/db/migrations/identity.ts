// Migrations of the identity area. Names are globally ordered by their number prefix; forward-only.
import type { Migration } from 'kysely';

export const identityMigrations: Record<string, Migration> = {};
