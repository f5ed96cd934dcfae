// Migrations of the metering area. Names are globally ordered by their number prefix; forward-only.
import type { Migration } from 'kysely';

export const meteringMigrations: Record<string, Migration> = {};
