/**
 * `callshield admin …`: administration of a running server through its API (an embedded server
 * holds its data directory, so the API is the one way in for every storage mode).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { clientSettings } from '../config.ts';

const help = `usage: callshield admin [--server URL] [--token TOKEN] <action> …

actions:
  create-key OPERATOR           issue an API key for an operator (printed once)
  add-operator ID NAME          add an operator (--not-participating to mark it so)
  import-mnp FILE.csv           bulk MNP import (columns msisdn,operator)
  import-list LIST FILE.csv     import list entries (columns number,reason[,expiresAt][,displayName])
  import-sms-senders FILE.csv   import SMS sender IDs (columns senderId,owner,routes; routes separated by ;)
  operators                     list operators

--server defaults to CALLSHIELD_URL or http://127.0.0.1:8080, --token to CALLSHIELD_ADMIN_TOKEN.
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      'not-participating': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, ...args] = positionals;
  if (values.help || !action) {
    process.stdout.write(help);
    return values.help ? 0 : 2;
  }
  const settings = clientSettings({ server: values.server, token: values.token });
  if (!settings.token) {
    process.stderr.write('callshield admin: no admin token (use --token or CALLSHIELD_ADMIN_TOKEN)\n');
    return 2;
  }
  const call = async (method: string, path: string, body?: string, contentType = 'application/json') => {
    const response = await fetch(new URL(path, settings.server), {
      method,
      headers: {
        authorization: `Bearer ${settings.token}`,
        ...(body !== undefined ? { 'content-type': contentType } : {}),
      },
      body,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const need = (n: number) => {
    if (args.length < n) throw new Error(`"${action}" needs ${n} argument(s); see callshield admin --help`);
  };
  switch (action) {
    case 'create-key': {
      need(1);
      const r = await call('POST', `/v1/admin/operators/${encodeURIComponent(args[0])}/keys`, '{}');
      process.stdout.write(`${r.apiKey}\n`);
      process.stderr.write(`key ${r.id} for ${r.operatorId}: store it now, it is not shown again\n`);
      return 0;
    }
    case 'add-operator': {
      need(2);
      const r = await call(
        'POST',
        '/v1/admin/operators',
        JSON.stringify({ id: args[0], name: args.slice(1).join(' '), participating: !values['not-participating'] }),
      );
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return 0;
    }
    case 'import-mnp': {
      need(1);
      const r = await call('POST', '/v1/admin/mnp/import', readFileSync(args[0], 'utf8'), 'text/csv');
      process.stdout.write(`imported ${r.imported}, rejected ${r.rejected.length}\n`);
      for (const x of r.rejected.slice(0, 20)) process.stdout.write(`  line ${x.line}: ${x.reason}\n`);
      return r.rejected.length ? 1 : 0;
    }
    case 'import-list': {
      need(2);
      const r = await call(
        'POST',
        `/v1/lists/${encodeURIComponent(args[0])}/import`,
        readFileSync(args[1], 'utf8'),
        'text/csv',
      );
      process.stdout.write(`imported ${r.imported} into ${args[0]} (version ${r.version})\n`);
      return 0;
    }
    case 'import-sms-senders': {
      need(1);
      const r = await call('POST', '/v1/admin/sms-senders/import', readFileSync(args[0], 'utf8'), 'text/csv');
      process.stdout.write(`imported ${r.imported} sender IDs, rejected ${r.rejected.length} (version ${r.version})\n`);
      for (const x of r.rejected.slice(0, 20)) process.stdout.write(`  line ${x.line}: ${x.reason}\n`);
      return r.rejected.length ? 1 : 0;
    }
    case 'operators': {
      const r = await call('GET', '/v1/operators');
      for (const o of r.items)
        process.stdout.write(
          `${o.id.padEnd(16)} ${o.participating ? 'participating ' : 'not participating'} ${o.name}\n`,
        );
      return 0;
    }
    default:
      process.stderr.write(`callshield admin: unknown action "${action}"\n\n${help}`);
      return 2;
  }
}
