import type { CaseStatus } from './types.ts';

/**
 * The case workflow. A case opens as `new`, is worked (`investigating`), waits on the police,
 * a prosecutor or an operator (`action_requested`: seizure, SIM suspension, a court order), and is
 * `closed`. A requested action can send the case back to investigating, and a closed case can be
 * reopened when new evidence turns up; nothing else skips a step.
 */
export const transitions: Record<CaseStatus, readonly CaseStatus[]> = {
  new: ['investigating', 'closed'],
  investigating: ['action_requested', 'closed'],
  action_requested: ['investigating', 'closed'],
  closed: ['investigating'],
};

export function canTransition(from: CaseStatus, to: CaseStatus): boolean {
  return transitions[from].includes(to);
}
