import type { CaseDetail, CaseSummary, LinkGraph } from '../pages/cases/types.ts';
import { type ApiPath, apiPaths, buildUrl } from './paths.ts';
import type {
  Alert,
  ApiKey,
  AuditEntry,
  CitizenReport,
  ComplianceReport,
  Decision,
  Incident,
  IncidentDetail,
  ListEntry,
  Lookup,
  Me,
  OperatorOverview,
  ReportQueueItem,
  Role,
  Stats,
  User,
  VerifyResult,
} from './types.ts';

/** An API error with its stable code (`{"error":{"code","message"}}`). */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Called when the session has ended, so the shell can show the login page. */
let onUnauthorized: () => void = () => {};
export const setUnauthorizedHandler = (handler: () => void) => {
  onUnauthorized = handler;
};

async function request<T>(
  method: string,
  template: ApiPath,
  options: {
    params?: Record<string, string>;
    query?: Record<string, string | number | undefined>;
    body?: unknown;
    csv?: string;
  } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | undefined;
  if (options.csv !== undefined) {
    headers['content-type'] = 'text/csv';
    body = options.csv;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(buildUrl(template, options.params, options.query), {
    method,
    headers,
    body,
    credentials: 'same-origin',
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = (data as { error?: { code: string; message: string } } | undefined)?.error;
    if (response.status === 401 && template !== apiPaths.login) onUnauthorized();
    throw new ApiError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? response.statusText);
  }
  return data as T;
}

/** The alert list's filters and page (GET /v1/alerts). */
// A type, not an interface: it must fit the query's index signature.
export type AlertQuery = {
  kind?: string;
  status?: string;
  msisdn?: string;
  cursor?: string;
  limit?: number;
  sort?: 'time' | 'score';
};

export const api = {
  login: (username: string, password: string) => request<Me>('POST', apiPaths.login, { body: { username, password } }),
  logout: () => request<void>('POST', apiPaths.logout),
  me: () => request<Me>('GET', apiPaths.me),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<Me>('POST', apiPaths.password, { body: { currentPassword, newPassword } }),

  users: () => request<{ items: User[] }>('GET', apiPaths.users),
  createUser: (body: { username: string; displayName?: string; role: Role; operatorId?: string }) =>
    request<{ user: User; oneTimePassword: string }>('POST', apiPaths.users, { body }),
  updateUser: (
    id: string,
    body: Partial<{ displayName: string; role: Role; operatorId: string | null; disabled: boolean }>,
  ) => request<User>('PATCH', apiPaths.user, { params: { id }, body }),
  resetPassword: (id: string) =>
    request<{ user: User; oneTimePassword: string }>('POST', apiPaths.userResetPassword, { params: { id } }),

  stats: (query: { from?: string; to?: string; groupBy?: 'hour' | 'day' } = {}) =>
    request<Stats>('GET', apiPaths.stats, { query }),
  decisions: (query: {
    verdict?: string;
    reason?: string;
    operator?: string;
    number?: string;
    channel?: string;
    limit?: number;
  }) => request<{ items: Decision[] }>('GET', apiPaths.decisions, { query }),
  decision: (decisionId: string) => request<Decision>('GET', apiPaths.decision, { params: { decisionId } }),
  lookup: (number: string) => request<Lookup>('GET', apiPaths.lookup, { params: { number } }),

  operators: () => request<{ items: OperatorOverview[] }>('GET', apiPaths.consoleOperators),
  setParticipation: (id: string, participating: boolean) =>
    request<unknown>('PATCH', apiPaths.operator, { params: { id }, body: { participating } }),
  keys: (id: string) => request<{ items: ApiKey[] }>('GET', apiPaths.operatorKeys, { params: { id } }),
  issueKey: (id: string) => request<ApiKey & { apiKey: string }>('POST', apiPaths.operatorKeys, { params: { id } }),
  revokeKey: (id: string, keyId: string) => request<void>('DELETE', apiPaths.operatorKey, { params: { id, keyId } }),

  listEntries: (list: string, query: { prefix?: string; limit?: number; offset?: number }) =>
    request<{ items: ListEntry[]; total: number }>('GET', apiPaths.listEntries, { params: { list }, query }),
  addEntry: (list: string, body: { number: string; reason: string; expiresAt?: string }) =>
    request<ListEntry>('POST', apiPaths.listEntries, { params: { list }, body }),
  removeEntry: (list: string, number: string) =>
    request<void>('DELETE', apiPaths.listEntry, { params: { list, number } }),
  importList: (list: string, csv: string) =>
    request<{ imported: number; version: number; rejected: { line: number; code: string; reason: string }[] }>(
      'POST',
      apiPaths.listImport,
      { params: { list }, csv },
    ),

  audit: (query: { actor?: string; action?: string; target?: string; cursor?: number; limit?: number }) =>
    request<{ items: AuditEntry[]; next: number | null }>('GET', apiPaths.audit, { query }),
  auditExportUrl: (query: { actor?: string; action?: string; target?: string }) =>
    buildUrl(apiPaths.auditExport, {}, query),
  auditVerify: () => request<VerifyResult>('GET', apiPaths.auditVerify),

  alerts: (query: AlertQuery) => request<{ items: Alert[]; next: string | null }>('GET', apiPaths.alerts, { query }),
  alert: (id: string) => request<Alert>('GET', apiPaths.alert, { params: { id } }),
  confirmAlert: (id: string, reason: string) =>
    request<unknown>('POST', apiPaths.alertConfirm, { params: { id }, body: { reason } }),
  dismissAlert: (id: string, reason: string) =>
    request<unknown>('POST', apiPaths.alertDismiss, { params: { id }, body: { reason } }),

  cases: (status?: string, alertId?: string) =>
    request<{ items: CaseSummary[] }>('GET', apiPaths.cases, { query: { status, alertId } }),
  reportQueue: (query: { limit?: number; offset?: number } = {}) =>
    request<{ items: ReportQueueItem[] }>('GET', apiPaths.reportQueue, { query }),
  reportsOfNumber: (number: string) =>
    request<{ number: string; items: CitizenReport[] }>('GET', apiPaths.reportsOfNumber, { params: { number } }),
  decideReports: (number: string, decision: 'confirm' | 'reject', body: { reason: string; block?: boolean }) =>
    request<unknown>('POST', decision === 'confirm' ? apiPaths.reportsConfirm : apiPaths.reportsReject, {
      params: { number },
      body,
    }),
  createCase: (body: { title: string; summary?: string; from?: Record<string, string> }) =>
    request<{ id: string; pulled: number }>('POST', apiPaths.cases, { body }),
  caseDetail: (id: string) => request<CaseDetail>('GET', apiPaths.case, { params: { id } }),
  updateCase: (
    id: string,
    body: Partial<{
      title: string;
      assignee: string | null;
      externalRef: string | null;
      /** The values the edit started from (a change meanwhile answers 409). */
      base: Partial<{ title: string; assignee: string | null; externalRef: string | null }>;
    }>,
  ) => request<void>('PATCH', apiPaths.case, { params: { id }, body }),
  moveCase: (id: string, to: string, reason?: string) =>
    request<void>('POST', apiPaths.caseTransition, { params: { id }, body: { to, ...(reason ? { reason } : {}) } }),
  addCaseNote: (id: string, text: string, shared: boolean) =>
    request<void>('POST', apiPaths.caseNotes, { params: { id }, body: { text, shared } }),
  addCaseItems: (id: string, items: { type: string; value: string }[]) =>
    request<unknown>('POST', apiPaths.caseItems, { params: { id }, body: { items } }),
  addSeized: (
    id: string,
    body: { kind: string; identifier?: string; description?: string; seizedAt: string; place: string },
  ) => request<unknown>('POST', apiPaths.caseSeized, { params: { id }, body }),
  caseGraph: (id: string, query: { from?: string; to?: string; depth?: number; maxNodes?: number }) =>
    request<LinkGraph>('GET', apiPaths.caseGraph, { params: { id }, query }),
  caseExportUrl: (id: string, lang: string) => buildUrl(apiPaths.caseExport, { id }, { lang }),
  links: (query: { type: string; value: string; from?: string; to?: string; depth?: number; maxNodes?: number }) =>
    request<LinkGraph>('GET', apiPaths.links, { query }),

  banks: () =>
    request<{ items: { id: string; name: string; createdAt: string; customers: number }[] }>('GET', apiPaths.banks),
  createBank: (id: string, name: string) => request<unknown>('POST', apiPaths.banks, { body: { id, name } }),
  issueBankKey: (id: string) => request<{ apiKey: string }>('POST', apiPaths.bankKeys, { params: { id } }),
  incidents: (query: { bank?: string; number?: string; limit?: number }) =>
    request<{ items: Incident[]; next: string | null }>('GET', apiPaths.incidents, { query }),
  incident: (incidentId: string, bank: string) =>
    request<IncidentDetail>('GET', apiPaths.incident, { params: { incidentId }, query: { bank } }),
  markSuspect: (incidentId: string, bank: string, number: string, suspect: boolean) =>
    request<Incident>('POST', apiPaths.incidentSuspects, {
      params: { incidentId },
      query: { bank },
      body: { number, suspect },
    }),
  warningsDaily: (days = 14) =>
    request<{ items: { day: string; events: number; deliveries: number }[] }>('GET', apiPaths.warningsDaily, {
      query: { days },
    }),
  compliance: (query: { from?: string; to?: string; operator?: string }) =>
    request<ComplianceReport>('GET', apiPaths.compliance, { query }),
  complianceOverdue: () =>
    request<{ overdue: number; byOperator: Record<string, number> }>('GET', apiPaths.complianceOverdue),
  complianceReportUrl: (query: { month: string; operator?: string; format: 'pdf' | 'csv'; lang: string }) =>
    buildUrl(apiPaths.complianceReport, {}, query),
};
