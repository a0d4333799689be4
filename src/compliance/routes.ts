import type { FastifyInstance } from 'fastify';
import { readerScope } from '../alerts/access.ts';
import { auditActorOf } from '../audit/context.ts';
import type { AuditLog } from '../audit/log.ts';
import { AppError } from '../errors.ts';
import { errorSchema } from '../platform/http.ts';
import { type ReportLanguage, reportCsv, reportLanguages, reportPdf } from './report.ts';
import type { ComplianceService } from './service.ts';

const nullableNumber = { type: ['number', 'null'] } as const;
const nullableString = { type: ['string', 'null'] } as const;
const routeFigures = {
  type: 'object',
  properties: { calls: { type: 'integer' }, screened: { type: 'integer' }, screenedShare: nullableNumber },
} as const;

const rowSchema = {
  type: 'object',
  properties: {
    operator: { type: 'string' },
    name: { type: 'string' },
    suspensions: {
      type: 'object',
      properties: {
        requested: { type: 'integer' },
        acked: { type: 'integer' },
        overdue: { type: 'integer' },
        medianHoursToAck: nullableNumber,
        lateAcks: { type: 'integer' },
      },
    },
    verify: {
      type: 'object',
      properties: {
        calls: { type: 'integer' },
        screenedShare: nullableNumber,
        screened: { type: 'integer' },
        byRoute: { type: 'object', properties: { international: routeFigures, domestic: routeFigures } },
      },
    },
    cdr: {
      type: 'object',
      properties: {
        lastUploadAt: nullableString,
        records: { type: 'integer' },
        gaps: {
          type: 'array',
          items: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } } },
        },
        daysWithoutRecords: { type: 'integer' },
      },
    },
    series: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          day: { type: 'string' },
          calls: { type: 'integer' },
          screened: { type: 'integer' },
          screenedShare: nullableNumber,
          records: { type: 'integer' },
          requested: { type: 'integer' },
        },
      },
    },
    overdueRequests: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          operator: { type: 'string' },
          msisdn: { type: 'string' },
          alertId: { type: 'string' },
          createdAt: { type: 'string' },
          deadline: { type: 'string' },
          hoursOverdue: { type: 'number' },
        },
      },
    },
  },
} as const;

/**
 * `GET /v1/compliance` (DESIGN.md §3.1) and the monthly report. National readers (admin token,
 * admin, supervisor, analyst) see every operator, or one with `operator`; an operator key or an
 * operator analyst sees its own row only.
 */
export function registerComplianceRoutes(
  app: FastifyInstance,
  deps: { compliance: ComplianceService; operatorExists: (id: string) => boolean; audit?: AuditLog },
) {
  const { compliance } = deps;

  /** The operator the caller may see (its own), or the one asked for by a national reader. */
  function operatorOf(request: Parameters<typeof readerScope>[0], asked: string | undefined): string | undefined {
    const scope = readerScope(request);
    if (asked !== undefined && !deps.operatorExists(asked))
      throw new AppError('VALIDATION_FAILED', `no operator "${asked.slice(0, 40)}"`);
    if (scope.operator) {
      if (asked !== undefined && asked !== scope.operator)
        throw new AppError('FORBIDDEN', 'an operator sees its own figures only');
      return scope.operator;
    }
    return asked;
  }

  app.get(
    '/v1/compliance',
    {
      schema: {
        summary: "Operators' duties: suspension deadlines, screening coverage, CDR timeliness",
        description:
          'Whole days in Almaty time, `to` inclusive (default: the last 30 days). An operator key sees its own row.',
        tags: ['compliance'],
        querystring: {
          type: 'object',
          properties: {
            from: { type: 'string', maxLength: 40 },
            to: { type: 'string', maxLength: 40 },
            operator: { type: 'string', maxLength: 40 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              from: { type: 'string' },
              to: { type: 'string' },
              generatedAt: { type: 'string' },
              deadline: { type: 'string' },
              operators: { type: 'array', items: rowSchema },
            },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const q = request.query as { from?: string; to?: string; operator?: string };
      const operator = operatorOf(request, q.operator);
      return compliance.report(compliance.period(q.from, q.to), operator);
    },
  );

  app.get(
    '/v1/compliance/overdue',
    {
      schema: {
        summary: 'SIM suspension requests past their deadline now, per operator',
        tags: ['compliance'],
        response: {
          200: {
            type: 'object',
            properties: {
              overdue: { type: 'integer' },
              byOperator: { type: 'object', additionalProperties: { type: 'integer' } },
            },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => compliance.overdueNow(readerScope(request).operator),
  );

  app.get(
    '/v1/compliance/report',
    {
      schema: {
        summary: "Monthly report of an operator's duties, as PDF or CSV (audited)",
        tags: ['compliance'],
        querystring: {
          type: 'object',
          required: ['month'],
          properties: {
            month: { type: 'string', maxLength: 20 },
            operator: { type: 'string', maxLength: 40 },
            format: { type: 'string', enum: ['pdf', 'csv'], default: 'pdf' },
            lang: { type: 'string', enum: reportLanguages, default: 'ru' },
          },
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const q = request.query as { month: string; operator?: string; format: 'pdf' | 'csv'; lang: ReportLanguage };
      const operator = operatorOf(request, q.operator);
      const period = compliance.month(q.month);
      const report = await compliance.report(period, operator);
      const body = q.format === 'csv' ? reportCsv(report) : await reportPdf(report, q.lang, q.month);
      await deps.audit?.append({
        ...auditActorOf(request),
        action: 'compliance.report',
        target: operator ?? '*',
        details: { month: q.month, format: q.format, lang: q.lang, operators: report.operators.length },
      });
      const name = `compliance-${q.month}${operator ? `-${operator}` : ''}.${q.format}`;
      return reply
        .header('content-type', q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/pdf')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(body);
    },
  );
}
