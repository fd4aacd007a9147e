import { ValidationFailed } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';

/**
 * Runs a change and turns a unique-index refusal (Prisma's P2002) into a field error. The database
 * decides rather than a check beforehand, so two people saving the same value at once cannot both win.
 * Use it where the change has one unique field a user typed.
 */
export async function withUniqueFieldError<T>(
  field: string,
  message: string,
  change: () => Promise<T>,
): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw new ValidationFailed({ [field]: message });
    }
    throw error;
  }
}
