/**
 * `make(key)` of each key met, kept for the next calls: for values that depend on the key alone
 * and repeat (answer labels, SMS sender IDs). At most `max` keys are kept, then the memo starts
 * again, so memory stays bounded whatever keys clients send.
 */
export function boundedMemo<T>(make: (key: string) => T, max: number): (key: string) => T {
  let made = new Map<string, T>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) {
      value = make(key);
      if (made.size >= max) made = new Map();
      made.set(key, value);
    }
    return value;
  };
}
