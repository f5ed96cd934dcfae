// Migrations of the budgets area. Names are globally ordered by their number prefix; forward-only.
import type { Migration } from 'kysely';

export const budgetsMigrations: Record<string, Migration> = {};
