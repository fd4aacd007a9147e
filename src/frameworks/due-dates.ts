/** A framework's default due date (e.g. EDS 28 February) in the final year of a period. */
export function defaultDueDate(
  periodEnd: Date,
  framework: { defaultDueMonth: number; defaultDueDay: number },
): Date {
  return new Date(
    Date.UTC(periodEnd.getUTCFullYear(), framework.defaultDueMonth - 1, framework.defaultDueDay),
  );
}
