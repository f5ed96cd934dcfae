// Migrations of the money area. Names are globally ordered by their number prefix; forward-only.
import type { Migration } from 'kysely';

export const moneyMigrations: Record<string, Migration> = {};
