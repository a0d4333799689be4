import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCdrText } from '../cdr/reader.ts';
import { CdrLines, victim } from '../cdr/test-support.ts';
import { loadPlan } from '../numbering/plan.ts';
import { imeiWithSerial } from '../sim/geography.ts';
import { FeatureStore } from './features.ts';
import { detect, loadModels } from './pipeline.ts';
import { loadTacTable, TacTable } from './tac.ts';

const plan = loadPlan(join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json'));
const models = loadModels();

function detectIn(cdrs: CdrLines, tacs = loadTacTable()) {
  const store = new FeatureStore(plan, tacs);
  for (const batch of parseCdrText(cdrs.text(), 'test.csv', plan).batches) store.addBatch(batch);
  return detect(store, models).alerts;
}

/** A 15-digit IMEI: TAC + 6-digit serial + Luhn check digit. */
const imei = (tac: string, serial: number) => imeiWithSerial(tac, String(serial).padStart(6, '0'));

/** Deterministic pseudo-random numbers in [0, 1). */
function sequence(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 4294967296;
  };
}

const GATEWAY_TAC = '86291804';
const HANDSET_TAC = '35332211';

/**
 * The textbook box missed before: one SIM with 409 outgoing voice calls in 3 days, no incoming
 * call, no SMS, no data, one cell, a gateway-TAC IMEI shared with another SIM of the farm on
 * other days, ~60 % answered with conversation-length durations.
 */
function textbookBox(tac: string, hours: [number, number] = [8, 23]): CdrLines {
  const cdrs = new CdrLines('KCELL');
  const random = sequence(7);
  const module = imei(tac, 4242);
  const call = (sim: string, minute: number, k: number) => {
    const answered = random() < 0.6;
    cdrs.voice(
      sim,
      'out',
      victim(10_000 + Math.floor(random() * 900_000)),
      minute,
      answered ? 45 + Math.floor(random() * 400) : 0,
      'KZ-ALA-0042',
      {
        imei: module,
        imsi: `40102${String(5550000000 + k).padStart(10, '0')}`,
      },
    );
  };
  // The SIM: 409 calls over three days (minutes from day 0 08:00).
  for (let k = 0; k < 409; k++) {
    const day = k % 3;
    const hour = hours[0] + random() * (hours[1] - hours[0]);
    call('+77011230001', day * 1440 + (hour - 8) * 60, 1);
  }
  // Another SIM of the farm in the same module on the two following days.
  for (let k = 0; k < 150; k++) call('+77011230002', (3 + (k % 2)) * 1440 + (k % 600), 2);
  return cdrs;
}

test('the textbook SIM-box (gateway TAC, 409 calls, no life, one cell, shared module) → simbox with its traits', () => {
  const alerts = detectIn(textbookBox(GATEWAY_TAC));
  const box = alerts.find((a) => a.msisdn === '+77011230001');
  assert.ok(box, 'the SIM is alerted');
  assert.equal(box.kind, 'simbox');
  const traits = (box.evidence.traits as { trait: string }[]).map((t) => t.trait).join('; ');
  for (const word of ['gateway device', 'no human life', 'one place', 'conversation length', 'outgoing only'])
    assert.ok(traits.includes(word), `evidence names "${word}": ${traits}`);
  assert.match(String(box.evidence.model), /sim-model/);
  assert.equal(alerts.find((a) => a.msisdn === '+77011230002')?.kind, 'simbox', 'the farm SIM sharing the module');
});

test('the textbook SIM-box with a gateway TAC unknown to the table is still a simbox (SIMs sharing the module)', () => {
  const alerts = detectIn(textbookBox('86999901'), new TacTable());
  assert.equal(alerts.find((a) => a.msisdn === '+77011230001')?.kind, 'simbox');
});

test('the textbook SIM-box working office hours only is still a simbox: its calls are conversations', () => {
  const alerts = detectIn(textbookBox(GATEWAY_TAC, [9, 18]));
  assert.equal(alerts.find((a) => a.msisdn === '+77011230001')?.kind, 'simbox');
});

test('a business call-centre in one cell (handsets, one SIM each, customers calling in) → no alert', () => {
  const cdrs = new CdrLines('BEELINE');
  const random = sequence(11);
  for (let agent = 0; agent < 20; agent++) {
    const sim = `+7705777${String(1000 + agent)}`;
    const phone = imei(HANDSET_TAC, 100 + agent);
    for (let day = 0; day < 3; day++)
      for (let k = 0; k < 70; k++) {
        const minute = day * 1440 + 60 + Math.floor(random() * 540);
        const customer = victim(50_000 + Math.floor(random() * 400_000));
        const answered = random() < 0.7;
        cdrs.voice(sim, 'out', customer, minute, answered ? 60 + Math.floor(random() * 300) : 0, 'KZ-AST-0007', {
          imei: phone,
        });
        if (k % 3 === 0) cdrs.voice(sim, 'in', customer, minute + 30, 90, 'KZ-AST-0007', { imei: phone });
      }
  }
  assert.deepEqual(detectIn(cdrs), []);
});

test('IoT meters with module TACs, data only → no alert', () => {
  const cdrs = new CdrLines('TELE2');
  for (let m = 0; m < 30; m++)
    for (let h = 0; h < 48; h++) cdrs.data(`+7747555${String(1000 + m)}`, h * 60, 'KZ-ALA-0100');
  assert.deepEqual(detectIn(cdrs), []);
});

test('a fraud call-centre dialling consecutive numbers, short and mostly unanswered, office hours → fraud_caller with the list in evidence', () => {
  const cdrs = new CdrLines('KCELL');
  const random = sequence(5);
  let next = 7_705_000_0000;
  for (let sim = 0; sim < 6; sim++) {
    const phone = imei(HANDSET_TAC, 900 + sim);
    for (let k = 0; k < 120; k++) {
      next += 1 + Math.floor(random() * 3);
      const answered = random() < 0.3;
      cdrs.voice(
        `+7701888${String(1000 + sim)}`,
        'out',
        `+${next}`,
        60 + Math.floor(k * 4.5),
        answered ? 3 + Math.floor(random() * 25) : 0,
        'KZ-ALA-0007',
        {
          imei: phone,
        },
      );
    }
  }
  const alerts = detectIn(cdrs);
  assert.equal(alerts.length, 6);
  for (const a of alerts) assert.equal(a.kind, 'fraud_caller');
  const traits = (alerts[0].evidence.traits as { trait: string }[]).map((t) => t.trait).join('; ');
  assert.match(traits, /dialled list/);
  assert.match(traits, /short and mostly unanswered/);
});

test('an outbound sales floor whose desk phones are shared by a morning and an evening shift → no alert', () => {
  const cdrs = new CdrLines('KCELL');
  const random = sequence(23);
  for (let desk = 0; desk < 10; desk++) {
    const phone = imei(HANDSET_TAC, 500 + desk);
    for (const [shift, from] of [
      [0, 60],
      [1, 360],
    ] as const) {
      const sim = `+7701666${String(1000 + desk * 2 + shift)}`;
      for (let day = 0; day < 3; day++)
        for (let k = 0; k < 60; k++) {
          const answered = random() < 0.65;
          cdrs.voice(
            sim,
            'out',
            victim(200_000 + Math.floor(random() * 500_000)),
            day * 1440 + from + Math.floor(random() * 290),
            answered ? 40 + Math.floor(random() * 400) : 0,
            'KZ-ALA-0300',
            { imei: phone },
          );
        }
    }
  }
  assert.deepEqual(detectIn(cdrs), []);
});

test('a box SIM whose module takes an IMEI of its own each day, in office hours → simbox, not a call-centre handset', () => {
  // No other SIM was ever seen in those IMEIs: no handset taking SIMs in turn, whatever the hours.
  const cdrs = new CdrLines('KCELL');
  const random = sequence(53);
  for (let day = 0; day < 3; day++) {
    const module = imei(HANDSET_TAC, 710_000 + day * 37_003);
    for (let k = 0; k < 120; k++) {
      const answered = random() < 0.6;
      const hour = 9 + random() * 8;
      cdrs.voice(
        '+77019990001',
        'out',
        victim(500_000 + Math.floor(random() * 400_000)),
        day * 1440 + Math.floor((hour - 8) * 60),
        answered ? 60 + Math.floor(random() * 300) : 0,
        'KZ-ALA-0600',
        { imei: module },
      );
    }
  }
  const alerts = detectIn(cdrs, new TacTable());
  assert.deepEqual(
    alerts.map((a) => a.kind),
    ['simbox'],
  );
  const device = (alerts[0].evidence.traits as { trait: string; values: Record<string, number> }[]).find((t) =>
    t.trait.startsWith('gateway device'),
  );
  assert.deepEqual([device?.values.imeisPerSim, device?.values.simsPerImei], [3, 1]);
});

test('a box of two SIMs in one module at the same hours (no known TAC) → simbox, the module named as a gateway', () => {
  const cdrs = new CdrLines('KCELL');
  const random = sequence(31);
  const module = imei('86999902', 77);
  for (let k = 0; k < 400; k++) {
    const sim = `+7701777000${k % 2}`;
    const answered = random() < 0.55;
    cdrs.voice(
      sim,
      'out',
      victim(300_000 + Math.floor(random() * 500_000)),
      Math.floor(k * 5.4),
      answered ? 60 + Math.floor(random() * 300) : 0,
      'KZ-ALA-0400',
      {
        imei: module,
      },
    );
  }
  const alerts = detectIn(cdrs, new TacTable());
  assert.deepEqual(
    alerts.map((a) => a.kind),
    ['simbox', 'simbox'],
  );
  const device = (alerts[0].evidence.traits as { trait: string; values: Record<string, number> }[]).find((t) =>
    t.trait.startsWith('gateway device'),
  );
  assert.equal(device?.values.concurrentSimsOnImei, 1);
});

test('a multi-port gateway keeping one SIM per port (consecutive module IMEIs, unknown TAC) → simbox through its sibling modules', () => {
  const cdrs = new CdrLines('KCELL');
  const random = sequence(41);
  for (let port = 0; port < 8; port++) {
    const module = imei('35202100', 607880 + port * 3);
    for (let k = 0; k < 150; k++) {
      const answered = random() < 0.7;
      cdrs.voice(
        `+7701888${String(2000 + port)}`,
        'out',
        victim(400_000 + Math.floor(random() * 500_000)),
        Math.floor(k * 9.5) + port,
        answered ? 60 + Math.floor(random() * 300) : 0,
        'KZ-ALA-0500',
        {
          imei: module,
        },
      );
    }
  }
  const alerts = detectIn(cdrs, new TacTable());
  assert.equal(alerts.length, 8);
  for (const a of alerts) assert.equal(a.kind, 'simbox');
  const device = (alerts[0].evidence.traits as { trait: string; values: Record<string, number> }[]).find((t) =>
    t.trait.startsWith('gateway device'),
  );
  assert.equal(device?.values.siblingModules, 7);
});

test('staff phones bought in one batch (consecutive IMEIs, one cell) used by people with SMS and data → no alert', () => {
  const cdrs = new CdrLines('BEELINE');
  const random = sequence(53);
  for (let person = 0; person < 12; person++) {
    const sim = `+7705333${String(1000 + person)}`;
    const phone = imei(HANDSET_TAC, 700 + person);
    for (let k = 0; k < 30; k++) {
      const minute = Math.floor(k * 130 + random() * 60);
      cdrs.voice(
        sim,
        'out',
        victim(600_000 + Math.floor(random() * 300_000)),
        minute,
        60 + Math.floor(random() * 300),
        'KZ-ALA-0600',
        {
          imei: phone,
        },
      );
      cdrs.sms(sim, victim(600_000 + k), minute + 3, 'KZ-ALA-0600');
      cdrs.data(sim, minute + 5, 'KZ-ALA-0600');
    }
  }
  assert.deepEqual(detectIn(cdrs), []);
});

/**
 * Eight gateway ports in one cell, one SIM each, 100 calls per SIM over three days, a third of
 * which go to another SIM of the box (`fake`: the box faking incoming calls, and SMS too, among its
 * own SIMs) or come in from customers' own phones elsewhere (`people`: an office PBX on a GSM
 * gateway), and a little SMS and data of their own.
 */
function portsWithIncoming(callersIn: 'fake' | 'people'): { cdrs: CdrLines; sims: string[] } {
  const cdrs = new CdrLines('KCELL');
  const random = sequence(61);
  const cell = 'KZ-ALA-0700';
  const sims = Array.from({ length: 8 }, (_, k) => `+7701444${String(3000 + k)}`);
  const modules = sims.map((_, k) => imei(GATEWAY_TAC, 120_000 + k * 41_000));
  let stranger = 0;
  for (let k = 0; k < sims.length; k++) {
    for (let n = 0; n < 100; n++) {
      const minute = (n % 3) * 1440 + 60 + Math.floor(random() * 780);
      if (n % 3 === 0) {
        const seconds = random() < 0.8 ? 40 + Math.floor(random() * 200) : 0;
        if (callersIn === 'fake') {
          const sibling = (k + 1 + Math.floor(random() * (sims.length - 1))) % sims.length;
          cdrs.voice(sims[k], 'out', sims[sibling], minute, seconds, cell, { imei: modules[k] });
          cdrs.voice(sims[sibling], 'in', sims[k], minute, seconds, cell, { imei: modules[sibling] });
        } else {
          cdrs.voice(sims[k], 'in', victim(700_000 + stranger++), minute, seconds, cell, { imei: modules[k] });
        }
        continue;
      }
      const answered = random() < 0.6;
      cdrs.voice(
        sims[k],
        'out',
        victim(10_000 + Math.floor(random() * 600_000)),
        minute,
        answered ? 45 + Math.floor(random() * 400) : 0,
        cell,
        {
          imei: modules[k],
        },
      );
    }
    for (let day = 0; day < 3; day++) {
      const minute = day * 1440 + 300 + k;
      cdrs.sms(sims[k], victim(800_000 + day * 10 + k), minute, cell);
      cdrs.data(sims[k], minute + 30, cell);
      if (callersIn === 'fake') {
        const sibling = sims[(k + 1) % sims.length];
        cdrs.sms(sims[k], sibling, minute + 60, cell);
        cdrs.raw(`sms-in-${day}-${k},KCELL,sms,in,${sibling},${sims[k]},,,${cell},${CdrLines.at(minute + 60)},,,,`);
      }
    }
  }
  return { cdrs, sims };
}

test('a SIM-box faking incoming calls and SMS among its own SIMs, with a little SMS and data → simbox, the farm’s own traffic set aside', () => {
  const { cdrs, sims } = portsWithIncoming('fake');
  const alerts = detectIn(cdrs);
  assert.deepEqual(
    sims.map((sim) => alerts.find((a) => a.msisdn === sim)?.kind),
    sims.map(() => 'simbox'),
  );
  const outgoing = (alerts[0].evidence.traits as { trait: string; values: Record<string, number> }[]).find(
    (t) => t.trait === 'outgoing only',
  );
  assert.ok(outgoing, 'outgoing only holds once the box’s own calls are set aside');
  assert.ok(outgoing.values.farmCallsIn > 0 && outgoing.values.farmCallsOut > 0, JSON.stringify(outgoing.values));
  assert.equal(outgoing.values.outShare, 1);
});

test('the same gateway ports called by customers from their own phones (an office PBX) → no alert', () => {
  assert.deepEqual(detectIn(portsWithIncoming('people').cdrs), []);
});

test('a person calling many numbers and called back by unrelated people, with life of their own → no alert', () => {
  const cdrs = new CdrLines('BEELINE');
  const random = sequence(67);
  const sim = '+77053334444';
  const phone = imei(HANDSET_TAC, 4444);
  for (let n = 0; n < 150; n++) {
    const minute = (n % 3) * 1440 + 60 + Math.floor(random() * 780);
    const other = victim(900_000 + Math.floor(random() * 90_000));
    const seconds = random() < 0.7 ? 40 + Math.floor(random() * 300) : 0;
    cdrs.voice(sim, n % 3 === 0 ? 'in' : 'out', other, minute, seconds, 'KZ-ALA-0701', { imei: phone });
    if (n % 10 === 0) cdrs.data(sim, minute + 2, 'KZ-ALA-0701');
  }
  assert.deepEqual(detectIn(cdrs), []);
});
