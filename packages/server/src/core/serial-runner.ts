/**
 * Runs tasks in order. A task that returns a promise holds back the tasks queued after it until it
 * settles; a task that returns nothing lets the next one run at once. Costs nothing while idle.
 */
export class SerialRunner {
  private backlog: (() => Promise<void> | undefined)[] | null = null;
  private busy = false;

  run(task: () => Promise<void> | undefined): void {
    if (this.busy) {
      (this.backlog ??= []).push(task);
      return;
    }
    this.exec(task);
  }

  private exec(task: () => Promise<void> | undefined): void {
    const pending = task();
    if (!pending) return;
    this.busy = true;
    const next = () => {
      this.busy = false;
      const backlog = this.backlog;
      while (backlog && backlog.length > 0 && !this.busy) this.exec(backlog.shift()!);
      if (backlog && backlog.length === 0) this.backlog = null;
    };
    // `then(next, next)`, not `finally`: a failed task must release the queue without re-raising its
    // rejection as an unhandled one (the task's owner handles its own errors).
    pending.then(next, next);
  }
}
