/**
 * @module The undo stack of something made in steps (a sandbox, a container), as CRI-O's
 * ResourceCleaner: each step that made something pushes how to take it away; when a later step
 * fails, `cleanup` runs them newest first, every one of them even when some fail, and reports
 * the failures instead of throwing over the error that started it.
 */
export class ResourceCleaner {
  private readonly steps: { description: string; undo: () => Promise<unknown> | unknown }[] = [];

  /** Registers the undo of a step that just succeeded. */
  add(description: string, undo: () => Promise<unknown> | unknown): void {
    this.steps.push({ description, undo });
  }

  /** Runs every registered undo, newest first, once; returns what failed ("what: why"). */
  async cleanup(): Promise<string[]> {
    const failures: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.undo();
      } catch (err) {
        failures.push(`${step.description}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return failures;
  }
}
