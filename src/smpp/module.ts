/**
 * The `smpp` role: the reference SMPP firewall, screening through the SMS service of this process
 * when it runs the screening role, else through a screening node over HTTP.
 */
import { type Config, ConfigError } from '../config.ts';
import type { SmsModule } from '../sms/module.ts';
import { type FirewallOptions, type MessageToScreen, type ScreenOutcome, startSmppFirewall } from './firewall.ts';

function outcomeOfError(code: string): ScreenOutcome {
  if (code === 'INVALID_SENDER') return 'invalid-sender';
  if (code === 'INVALID_NUMBER') return 'invalid-recipient';
  return 'unavailable';
}

const bodyOf = (m: MessageToScreen) => ({
  messageId: m.messageId,
  sender: m.sender,
  b: m.recipient,
  at: new Date().toISOString(),
  ingress: m.ingress,
  text: m.text,
});

/** Screens in this process: the service's own validation and decision, no HTTP. */
export function screenInProcess(service: NonNullable<SmsModule['service']>, operator: string) {
  return (m: MessageToScreen): ScreenOutcome => {
    const parsed = service.parse(bodyOf(m), operator);
    if (!parsed.ok) return outcomeOfError(parsed.code);
    return service.decide(parsed.value).verdict;
  };
}

/** Screens on a screening node; no answer in time is 'unavailable' (the failure policy decides). */
export function screenOverHttp(url: string, apiKey: string, timeoutMs: number) {
  const endpoint = new URL('/v1/sms/verify', url).toString();
  return async (m: MessageToScreen): Promise<ScreenOutcome> => {
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(bodyOf(m)),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const answer = (await response.json()) as { verdict?: ScreenOutcome; error?: { code: string } };
      if (response.status === 200 && answer.verdict) return answer.verdict;
      return outcomeOfError(answer.error?.code ?? '');
    } catch {
      return 'unavailable';
    }
  };
}

/** The settings the smpp role cannot start without; checked before anything is opened. */
export function checkSmppSettings(config: Config): void {
  if (!config.roles.includes('smpp')) return;
  const missing: string[] = [];
  if (!config.smppUpstream) missing.push('CALLSHIELD_SMPP_UPSTREAM');
  if (!config.smppSystemId) missing.push('CALLSHIELD_SMPP_SYSTEM_ID');
  if (!config.smppAccounts) missing.push('CALLSHIELD_SMPP_ACCOUNTS');
  const inProcess = config.roles.includes('screening');
  if (inProcess && !config.smppOperator) missing.push('CALLSHIELD_SMPP_OPERATOR');
  if (!inProcess && !(config.smppScreeningUrl && config.smppApiKey))
    missing.push('CALLSHIELD_SMPP_SCREENING_URL and CALLSHIELD_SMPP_API_KEY (no screening role in this process)');
  if (missing.length) throw new ConfigError(`the smpp role needs ${missing.join(', ')}`);
}

export async function startSmppRole(deps: { config: Config; sms: SmsModule; log: FirewallOptions['log'] }) {
  const { config } = deps;
  checkSmppSettings(config);
  const service = deps.sms.service;
  return startSmppFirewall({
    host: config.host,
    port: config.smppPort,
    upstream: {
      host: config.smppUpstream!.host,
      port: config.smppUpstream!.port,
      systemId: config.smppSystemId!,
      password: config.smppPassword ?? '',
    },
    accounts: config.smppAccounts!,
    screen: service
      ? screenInProcess(service, config.smppOperator!)
      : screenOverHttp(config.smppScreeningUrl!, config.smppApiKey!, config.smppScreeningTimeoutMs),
    failurePolicy: config.failurePolicy,
    reassemblyMs: config.smppReassemblyMs,
    screenDeliver: config.smppScreenDeliver,
    log: deps.log,
  });
}
