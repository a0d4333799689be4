/**
 * `callshield admin …`: administration of a running server through its API (an embedded server
 * holds its data directory, so the API is the one way in for every storage mode).
 */
import { clientSettings } from '../config.ts';
import { callServer, parseFlags, readInputFile, runCommand, usageError } from '../platform/cli.ts';

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
  return runCommand('admin', help, () => admin(argv));
}

async function admin(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      server: { type: 'string' },
      token: { type: 'string' },
      'not-participating': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  const [action, ...args] = positionals;
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (!action) throw usageError('an action is needed');
  const settings = clientSettings({ server: values.server, token: values.token });
  if (!settings.token) throw usageError('no admin token (use --token or CALLSHIELD_ADMIN_TOKEN)');
  // biome-ignore lint/suspicious/noExplicitAny: the answers are printed field by field
  const call = async (method: string, path: string, body?: string, contentType = 'application/json'): Promise<any> =>
    (await callServer(settings.server, settings.token, method, path, body, contentType)).json();
  const need = (n: number, what: string) => {
    if (args.length < n) throw usageError(`"${action}" needs ${what}`);
  };
  switch (action) {
    case 'create-key': {
      need(1, 'an OPERATOR');
      const r = await call('POST', `/v1/admin/operators/${encodeURIComponent(args[0])}/keys`, '{}');
      process.stdout.write(`${r.apiKey}\n`);
      process.stderr.write(`key ${r.id} for ${r.operatorId}: store it now, it is not shown again\n`);
      return 0;
    }
    case 'add-operator': {
      need(2, 'an ID and a NAME');
      const r = await call(
        'POST',
        '/v1/admin/operators',
        JSON.stringify({ id: args[0], name: args.slice(1).join(' '), participating: !values['not-participating'] }),
      );
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return 0;
    }
    case 'import-mnp': {
      need(1, 'a FILE.csv');
      const r = await call('POST', '/v1/admin/mnp/import', readInputFile(args[0]), 'text/csv');
      process.stdout.write(`imported ${r.imported}, rejected ${r.rejected.length}\n`);
      for (const x of r.rejected.slice(0, 20)) process.stdout.write(`  line ${x.line}: ${x.reason}\n`);
      return r.rejected.length ? 1 : 0;
    }
    case 'import-list': {
      need(2, 'a LIST and a FILE.csv');
      const r = await call(
        'POST',
        `/v1/lists/${encodeURIComponent(args[0])}/import`,
        readInputFile(args[1]),
        'text/csv',
      );
      process.stdout.write(
        `imported ${r.imported} into ${args[0]}, rejected ${r.rejected.length} (version ${r.version})\n`,
      );
      for (const x of r.rejected.slice(0, 20)) process.stdout.write(`  line ${x.line}: ${x.reason}\n`);
      return r.rejected.length ? 1 : 0;
    }
    case 'import-sms-senders': {
      need(1, 'a FILE.csv');
      const r = await call('POST', '/v1/admin/sms-senders/import', readInputFile(args[0]), 'text/csv');
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
      throw usageError(`unknown action "${action}"`);
  }
}
