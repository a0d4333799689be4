/**
 * Every API path the console calls, as OpenAPI templates. The client builds URLs only from these,
 * and web/tests/api-paths.test.ts checks each one against the server's /openapi.json.
 */
export const apiPaths = {
  login: '/v1/console/login',
  logout: '/v1/console/logout',
  me: '/v1/console/me',
  password: '/v1/console/password',
  users: '/v1/console/users',
  user: '/v1/console/users/{id}',
  userResetPassword: '/v1/console/users/{id}/reset-password',
  stats: '/v1/stats',
  decisions: '/v1/decisions',
  decision: '/v1/decisions/{decisionId}',
  lookup: '/v1/numbers/{number}/lookup',
  consoleOperators: '/v1/console/operators',
  operator: '/v1/admin/operators/{id}',
  operatorKeys: '/v1/admin/operators/{id}/keys',
  operatorKey: '/v1/admin/operators/{id}/keys/{keyId}',
  listEntries: '/v1/lists/{list}/entries',
  listEntry: '/v1/lists/{list}/entries/{number}',
  listImport: '/v1/lists/{list}/import',
  audit: '/v1/audit',
  auditExport: '/v1/audit/export',
  auditVerify: '/v1/audit/verify',
  alerts: '/v1/alerts',
  alert: '/v1/alerts/{id}',
  alertConfirm: '/v1/alerts/{id}/confirm',
  alertDismiss: '/v1/alerts/{id}/dismiss',
  cases: '/v1/cases',
  case: '/v1/cases/{id}',
  caseTransition: '/v1/cases/{id}/transition',
  caseNotes: '/v1/cases/{id}/notes',
  caseItems: '/v1/cases/{id}/items',
  caseSeized: '/v1/cases/{id}/seized',
  caseGraph: '/v1/cases/{id}/graph',
  caseExport: '/v1/cases/{id}/export',
  links: '/v1/links',
  banks: '/v1/admin/banks',
  bankKeys: '/v1/admin/banks/{id}/keys',
  incidents: '/v1/bank/incidents',
  incident: '/v1/bank/incidents/{incidentId}',
  incidentSuspects: '/v1/bank/incidents/{incidentId}/suspects',
  warningsDaily: '/v1/bank/warnings/daily',
  compliance: '/v1/compliance',
  complianceReport: '/v1/compliance/report',
  complianceOverdue: '/v1/compliance/overdue',
  reportQueue: '/v1/reports/queue',
  reportsOfNumber: '/v1/reports/numbers/{number}',
  reportsConfirm: '/v1/reports/numbers/{number}/confirm',
  reportsReject: '/v1/reports/numbers/{number}/reject',
} as const;

export type ApiPath = (typeof apiPaths)[keyof typeof apiPaths];

/** Paths served by modules that may not exist yet on a server (the alerts API is built separately). */
export const pendingPaths: readonly ApiPath[] = [
  apiPaths.alerts,
  apiPaths.alert,
  apiPaths.alertConfirm,
  apiPaths.alertDismiss,
];

/** Fills `{name}` placeholders (encoded) and appends a query string without empty values. */
export function buildUrl(
  template: ApiPath,
  params: Record<string, string> = {},
  query: Record<string, string | number | undefined> = {},
): string {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') search.set(k, String(v));
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}
