// Auth request/response shapes (seed 001 register/login bodies).
import { z } from 'zod';
import { tenantSchema } from '../tenants/tenant-schemas.js';
import { passwordSchema } from '../users/password.js';
import { emailSchema, userSchema } from '../users/user-schemas.js';

export const loginBodySchema = z.object({ email: emailSchema, password: z.string().min(1).max(256) });

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
  website: z.url().max(500).optional(),
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
