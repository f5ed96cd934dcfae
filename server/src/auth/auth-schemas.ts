// Auth request/response shapes (seed 001 register/login bodies).
import { z } from 'zod';
import { tenantSchema } from '../tenants/tenant-schemas.js';
import { passwordSchema } from '../users/password.js';
import { emailSchema, userSchema } from '../users/user-schemas.js';

/**
 * Sign-in checks an address that already exists, so only its rough shape is checked here: the
 * strict emailSchema (a dotted domain) would lock out accounts such as the generated first admin,
 * admin@localhost.
 */
const signInEmail = z
  .string()
  .trim()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address')
  .transform((e) => e.toLowerCase());

export const loginBodySchema = z.object({ email: signInEmail, password: z.string().min(1).max(256) });

export const loginResultSchema = z.object({
  token: z.string(),
  refreshToken: z.string(),
  expiresAt: z.string(),
  user: userSchema,
});

export const refreshBodySchema = z.object({ refreshToken: z.string().min(1).max(500).optional() }).optional();

export const acceptInviteSchema = z.object({ token: z.string().min(1).max(500), password: passwordSchema });

const short = (max: number) => z.string().trim().max(max);

export const registerBodySchema = z.object({
  name: z.string().trim().min(1).max(200),
  email: emailSchema,
  password: passwordSchema,
  description: short(2000).optional(),
  // Shown as a link wherever the organisation is listed: web addresses only (no javascript: or data:).
  website: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) address' })
    .max(500)
    .optional(),
  phone: short(50).optional(),
  address: z.record(z.string(), short(500)).optional(),
});
export type RegisterBody = z.infer<typeof registerBodySchema>;

export const registerResultSchema = z.object({
  message: z.string(),
  token: z.string().nullable(),
  refreshToken: z.string().nullable(),
  expiresAt: z.string().nullable(),
  user: userSchema,
  tenant: tenantSchema,
});
