import { z } from 'zod';
import { MembershipRole, SignInMethod } from '../generated/prisma/enums.js';
import { emailAddress } from '../users/schemas.js';

/** Invite someone to a provider: their address, name, what they will do and how they will sign in. */
export const invitePersonSchema = z.object({
  email: emailAddress,
  displayName: z
    .string()
    .trim()
    .max(200, 'Name must be 200 characters or fewer')
    .optional()
    .transform((name) => name ?? ''),
  role: z.enum(MembershipRole, 'Select what they will do'),
  signInMethod: z.enum(SignInMethod, 'Select how they will sign in'),
});
