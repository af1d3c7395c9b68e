// Calls of one kind made during one turn of the event loop, served by one statement at its end: the
// test controls' journal insert and rule lookup come with every request, and under load many requests
// are answered in the same turn. A batch is run only after every call in it was made, so each call
// still sees everything committed before it was made (a rule created and acknowledged before a call
// applies to it), at the cost of waiting for the end of the turn.
export class TickBatch<I, R> {
  readonly #run: (items: I[]) => Promise<R[]>;
  #pending: { item: I; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];

  /** `run` answers the items in their order, one result each. */
  constructor(run: (items: I[]) => Promise<R[]>) {
    this.#run = run;
  }

  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.#pending.length === 0) setImmediate(() => this.#flush());
      this.#pending.push({ item, resolve, reject });
    });
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    let running: Promise<R[]>;
    try {
      running = this.#run(batch.map((call) => call.item));
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (results) => batch.forEach((call, index) => call.resolve(results[index]!)),
      (error: unknown) => batch.forEach((call) => call.reject(error)),
    );
  }
}
