/** Zod building blocks shared by the forms (messages are shown next to the field). */
import { z } from 'zod';

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

export const emailField = z
  .string()
  .trim()
  .min(1, { error: 'Enter your email address.' })
  .pipe(z.email({ error: 'Enter a valid email address.' }));

/** A new password, checked like the server does (length only; the server also refuses common ones). */
export const newPasswordField = z
  .string()
  .min(MIN_PASSWORD_LENGTH, { error: `Use at least ${MIN_PASSWORD_LENGTH} characters.` })
  .max(MAX_PASSWORD_LENGTH, { error: `Use at most ${MAX_PASSWORD_LENGTH} characters.` });

export const passwordField = z.string().min(1, { error: 'Enter your password.' });

/** A 6-digit authenticator code; spaces are ignored. */
export const totpCodeField = z
  .string()
  .transform((v) => v.replace(/\s+/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, { error: 'Enter a 6-digit code.' }));

export const recoveryCodeField = z
  .string()
  .trim()
  .min(12, { error: 'Enter one of your recovery codes, e.g. k7mq-x2dp-9rwt.' })
  .max(64, { error: 'That is too long for a recovery code.' });
