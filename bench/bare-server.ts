/**
 * The baseline of the HTTP benchmark: bare Fastify handlers that parse the same JSON body and
 * answer verify-shaped JSON, with nothing else. callshield's verify is measured against the single
 * form, and its batch forms (calls and messages) against the batch form: each item answered with
 * an answer of the same shape, `{"results":[…]}`, as a plain Fastify application would write it.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
const answer = (id: string) => ({ decisionId: id, verdict: 'allow', reasons: [], shadow: false });
app.post('/v1/calls/verify', async (request) => answer((request.body as { callId: string }).callId));
app.post('/v1/calls/verify/batch', async (request) => ({
  results: (request.body as { calls: { callId: string }[] }).calls.map((c) => answer(c.callId)),
}));
app.post('/v1/sms/verify/batch', async (request) => ({
  results: (request.body as { messages: { messageId: string }[] }).messages.map((m) => answer(m.messageId)),
}));
const address = await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
process.stdout.write(`${address}\n`);
