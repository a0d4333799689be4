/**
 * Who sees an operator's own answer to a SIM suspension request. The request and its state (asked
 * when, by when, suspended or rejected, answered when) are the platform's: every reader who sees
 * the alert sees them, so an operator whose CDRs raised the alert learns whether the SIM was
 * suspended. The answer's note and who gave it are the owning operator's own words about its
 * subscriber and staff: a national reader and the owner see them, another operator does not. The
 * console's alerts and a case's evidence export both follow this one rule.
 */
export function seesOwnersAnswer(reader: string | undefined, owner: string | null | undefined): boolean {
  return reader === undefined || reader === owner;
}
