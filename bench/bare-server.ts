/**
 * The baseline of the HTTP benchmark: a bare Fastify handler that parses the same JSON body and
 * answers a verify-shaped JSON, with nothing else. callshield's verify is measured against it.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/v1/calls/verify', async (request) => {
  const body = request.body as { callId: string };
  return { decisionId: body.callId, verdict: 'allow', reasons: [], shadow: false };
});
const address = await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
process.stdout.write(`${address}\n`);
