/**
 * For afterAll: runs every closer in order even when one fails, then throws the first failure.
 * One failing close must not leave the others' servers and processes open (jest would not exit).
 */
export async function closeAll(...closers: Array<() => Promise<unknown> | undefined>): Promise<void> {
  const errors: unknown[] = [];
  for (const close of closers) {
    try {
      await close();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw errors[0];
}
