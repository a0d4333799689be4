/**
 * Simulated SMS traffic with ground truth: banks and the state writing under their registered
 * sender IDs (codes, notices, their own links), shops under unregistered IDs, fraud under
 * look-alike IDs and phishing links, Kazakh numbers spoofed from abroad, and SIM-box farms sending
 * the same text from one number in bulk. `replaySms` sends it to a server's SMS screening and
 * tallies the verdicts per truth.
 */
import { Random } from './random.ts';

export type SmsTruth = 'bank' | 'state' | 'shop' | 'lookalike_sender' | 'phishing' | 'spoofed_number' | 'simbox_bulk';
/** Truths that are fraud: screening should label or block them. */
export const fraudulentSms: readonly SmsTruth[] = ['lookalike_sender', 'phishing', 'spoofed_number', 'simbox_bulk'];

export interface SimulatedSms {
  messageId: string;
  sender: string;
  b: string;
  at: string;
  ingress: 'domestic' | 'on-net' | 'international';
  text?: string;
  truth: SmsTruth;
}

/** Sender IDs the simulated banks and state bodies register (the registry's import CSV, as rows). */
export const simulatedSenders = [
  { senderId: 'KASPI', owner: 'Kaspi Bank', routes: ['domestic', 'on-net'], link: 'https://kaspi.kz/' },
  { senderId: 'HALYK', owner: 'Halyk Bank', routes: ['domestic', 'on-net'], link: 'https://halykbank.kz/' },
  { senderId: 'Jusan', owner: 'Jusan Bank', routes: ['domestic'], link: 'https://jusan.kz/' },
  { senderId: 'EGOV', owner: 'eGov', routes: ['domestic', 'on-net'], link: 'https://egov.kz/' },
  { senderId: 'KAZPOST', owner: 'Kazpost', routes: ['domestic'], link: 'https://post.kz/' },
] as const;

/** Domains of the simulated phishing campaigns, as the phishing list would hold them once reported. */
export const simulatedPhishingDomains = ['kaspi-bonus-kz.top', 'egov-vyplata.xyz', 'halyk-secure-login.online'];

const shops = ['MAGNUM', 'Sulpak', 'Technodom', 'ChocoFamily', 'Arbuz', 'Wolt KZ', 'Yandex Go'];
const lookalikes = ['KASPI-BANK', 'Kaspl', 'KASPI.KZ', 'HALYK BANK', 'HaIyk', 'E-GOV', 'EGOV-KZ', 'Kazpost24', 'КАСПИ'];
const bankTexts = [
  'Kod podtverzhdeniya: {code}. Nikomu ne soobshchaite.',
  'Ваш код: {code}. Никому не сообщайте его, даже сотрудникам банка.',
  'Sizdin kodynyz: {code}. Eshkimge aitpanyz.',
  'Оплата 4 500 ₸ принята. Подробнее в приложении {link}',
];
const phishingTexts = [
  'Ваша карта заблокирована. Для разблокировки: https://{domain}/login',
  'Vam polozhena vyplata 42 500 tg. Oformite: {domain}/form',
  'Подтвердите данные в течение часа, иначе счёт будет закрыт: http://{domain}/',
];
const simboxTexts = ['Zaim bez otkaza do 500 000 tg! Zvonite', 'Выиграли приз! Перезвоните на этот номер'];

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');
}

/** `count` messages over the hour before `at`, in a deterministic mix for a seed. */
export function simulateSms(seed: number, count: number, at = Date.now()): SimulatedSms[] {
  const rnd = new Random(seed);
  const subscriber = () =>
    `+77${rnd.pick(['01', '02', '05', '07', '47', '71', '75', '77', '78'])}${String(rnd.int(10_000_000)).padStart(7, '0')}`;
  // A few SIM-box numbers send most of the bulk.
  const farm = Array.from({ length: 3 }, () => `+7747${String(rnd.int(10_000_000)).padStart(7, '0')}`);
  const out: SimulatedSms[] = [];
  for (let i = 0; i < count; i++) {
    const roll = rnd.next();
    const when = new Date(at - rnd.int(3_600_000)).toISOString();
    const base = { messageId: `sim-sms-${seed}-${i}`, b: subscriber(), at: when };
    if (roll < 0.4) {
      const sender = rnd.pick(simulatedSenders);
      const text = fill(rnd.pick(bankTexts), { code: String(1000 + rnd.int(9000)), link: sender.link });
      const truth: SmsTruth = sender.senderId === 'EGOV' || sender.senderId === 'KAZPOST' ? 'state' : 'bank';
      out.push({
        ...base,
        sender: sender.senderId,
        ingress: (sender.routes as readonly string[]).includes('on-net') && rnd.chance(0.2) ? 'on-net' : 'domestic',
        text,
        truth,
      });
    } else if (roll < 0.55) {
      out.push({
        ...base,
        sender: rnd.pick(shops),
        ingress: 'domestic',
        text: 'Skidki do 50% tolko segodnya!',
        truth: 'shop',
      });
    } else if (roll < 0.65) {
      out.push({
        ...base,
        sender: rnd.pick(lookalikes),
        ingress: rnd.chance(0.5) ? 'international' : 'domestic',
        text: 'Ваш счёт заблокирован. Позвоните в службу безопасности.',
        truth: 'lookalike_sender',
      });
    } else if (roll < 0.75) {
      // Phishing under any sender: a shop-like ID, a plain number, or even a real bank's (SMS hubs get those too).
      const sender = rnd.pick(['INFO', 'Bonus', subscriber(), 'KASPI']);
      out.push({
        ...base,
        sender,
        ingress: sender === 'KASPI' ? 'domestic' : rnd.chance(0.5) ? 'international' : 'domestic',
        text: fill(rnd.pick(phishingTexts), { domain: rnd.pick(simulatedPhishingDomains) }),
        truth: 'phishing',
      });
    } else if (roll < 0.82) {
      out.push({
        ...base,
        sender: subscriber(),
        ingress: 'international',
        text: 'Mama, pomogi, skin deneg',
        truth: 'spoofed_number',
      });
    } else {
      out.push({
        ...base,
        sender: rnd.pick(farm),
        ingress: 'domestic',
        text: rnd.pick(simboxTexts),
        truth: 'simbox_bulk',
      });
    }
  }
  return out;
}

export type Tally = Record<SmsTruth, { allow: number; label: number; block: number; errors: number }>;

/**
 * Sends the messages to `/v1/sms/verify/batch` in batches through `post` (fetch to a server, or a
 * test app's inject) and tallies the verdicts per truth.
 */
export async function replaySms(
  messages: readonly SimulatedSms[],
  post: (path: string, body: unknown) => Promise<{ status: number; body: unknown }>,
  batchSize = 500,
): Promise<Tally> {
  const tally = {} as Tally;
  for (const truth of ['bank', 'state', 'shop', ...fraudulentSms] as SmsTruth[])
    tally[truth] = { allow: 0, label: 0, block: 0, errors: 0 };
  for (let i = 0; i < messages.length; i += batchSize) {
    const batch = messages.slice(i, i + batchSize);
    const r = await post('/v1/sms/verify/batch', { messages: batch.map(({ truth: _, ...m }) => m) });
    if (r.status !== 200) throw new Error(`SMS batch refused: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    const results = (r.body as { results: { verdict?: 'allow' | 'label' | 'block' }[] }).results;
    results.forEach((result, k) => {
      const t = tally[batch[k].truth];
      if (result.verdict) t[result.verdict]++;
      else t.errors++;
    });
  }
  return tally;
}
