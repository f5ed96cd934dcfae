// User shapes at the HTTP boundary (seed 002 / 003 field names).
import { z } from 'zod';
import { ROLES } from '../identity/ports.js';

export const USER_STATUSES = ['pending', 'active', 'suspended'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email('must be an email address'))
  .transform((e) => e.toLowerCase());

export const roleSchema = z.enum(ROLES as unknown as ['platform_admin', 'sales', 'tenant_admin', 'tenant_user']);

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role: roleSchema,
  status: z.enum(USER_STATUSES),
  tenant_id: z.string().nullable(),
  product_id: z.string().nullable(),
  last_login_at: z.string().nullable(),
  created: z.string(),
  updated: z.string(),
});
export type User = z.infer<typeof userSchema>;

export const userCreateSchema = z.object({
  email: emailSchema,
  name: z.string().trim().min(1).max(200).nullable().optional(),
  role: roleSchema.default('tenant_user'),
  tenant_id: z.string().min(1).max(100).nullable().optional(),
  product_id: z.string().min(1).max(100).nullable().optional(),
});
export type UserCreate = z.infer<typeof userCreateSchema>;

export const userUpdateSchema = z.object({
  name: z.string().trim().min(1).max(200).nullable().optional(),
  role: roleSchema.optional(),
  status: z.enum(['active', 'suspended']).optional(),
  product_id: z.string().min(1).max(100).nullable().optional(),
});
export type UserUpdate = z.infer<typeof userUpdateSchema>;

export const inviteSchema = z.object({ token: z.string(), url: z.string(), expires_at: z.string() });
export type Invite = z.infer<typeof inviteSchema>;
