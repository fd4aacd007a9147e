import { z } from 'zod';
import { SignInMethod, UserRole } from '../generated/prisma/enums.js';

const ENTER_EMAIL = 'Enter an email address';
const EMAIL_FORMAT = 'Enter an email address in the correct format, like name@example.nhs.uk';
const SELECT_PROVIDER = 'Select the provider';

const providerId = z.string(SELECT_PROVIDER).pipe(z.uuid(SELECT_PROVIDER));

/** An email address as typed (surrounding spaces dropped), lower-case: how users are stored. */
export const emailAddress = z
  .string(ENTER_EMAIL)
  .trim()
  .min(1, ENTER_EMAIL)
  .max(254, 'Email address must be 254 characters or fewer')
  .toLowerCase()
  .pipe(z.email(EMAIL_FORMAT));

/** Invite a provider lead: the email they sign in with (stored lower-case), and their provider. */
export const inviteSchema = z.object({
  email: emailAddress,
  displayName: z
    .string()
    .trim()
    .max(200, 'Name must be 200 characters or fewer')
    .optional()
    .transform((name) => name ?? ''),
  providerId,
  signInMethod: z.enum(SignInMethod, 'Select how they will sign in'),
});

export type InviteInput = z.output<typeof inviteSchema>;

export const roleSchema = z.object({ role: z.enum(UserRole, 'Select a role') });

export const membershipSchema = z.object({ providerId });
