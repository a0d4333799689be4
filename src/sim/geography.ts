/**
 * The simulated country's map and reference data: cities with their real coordinates and rough
 * populations, the fixed-line area code of each, the countries roamers visit, device type codes
 * and foreign numbering used by callers from abroad.
 */
import type { Random } from './random.ts';

export interface City {
  code: string;
  name: string;
  region: string;
  lat: number;
  lon: number;
  /** Inhabitants in thousands: sets the share of subscribers and of cells. */
  population: number;
  /** Geographic (fixed-line) code of the numbering plan. */
  areaCode: string;
  /** Spread of the city's cells around the centre, in degrees. */
  spread: number;
}

export const CITIES: readonly City[] = [
  {
    code: 'ALA',
    name: 'Almaty',
    region: 'Almaty',
    lat: 43.2389,
    lon: 76.8897,
    population: 2250,
    areaCode: '727',
    spread: 0.06,
  },
  {
    code: 'AST',
    name: 'Astana',
    region: 'Astana',
    lat: 51.1694,
    lon: 71.4491,
    population: 1420,
    areaCode: '717',
    spread: 0.05,
  },
  {
    code: 'SHY',
    name: 'Shymkent',
    region: 'Shymkent',
    lat: 42.3417,
    lon: 69.5901,
    population: 1230,
    areaCode: '725',
    spread: 0.05,
  },
  {
    code: 'KGF',
    name: 'Karaganda',
    region: 'Karaganda Region',
    lat: 49.8047,
    lon: 73.1094,
    population: 500,
    areaCode: '721',
    spread: 0.04,
  },
  {
    code: 'AKX',
    name: 'Aktobe',
    region: 'Aktobe Region',
    lat: 50.2839,
    lon: 57.167,
    population: 560,
    areaCode: '713',
    spread: 0.04,
  },
  {
    code: 'DMB',
    name: 'Taraz',
    region: 'Zhambyl Region',
    lat: 42.9,
    lon: 71.3667,
    population: 430,
    areaCode: '726',
    spread: 0.03,
  },
  {
    code: 'PWQ',
    name: 'Pavlodar',
    region: 'Pavlodar Region',
    lat: 52.2873,
    lon: 76.9674,
    population: 360,
    areaCode: '718',
    spread: 0.03,
  },
  {
    code: 'UKK',
    name: 'Oskemen',
    region: 'East Kazakhstan Region',
    lat: 49.9483,
    lon: 82.6275,
    population: 370,
    areaCode: '723',
    spread: 0.03,
  },
  {
    code: 'PLX',
    name: 'Semey',
    region: 'Abai Region',
    lat: 50.4111,
    lon: 80.2275,
    population: 350,
    areaCode: '722',
    spread: 0.03,
  },
  {
    code: 'GUW',
    name: 'Atyrau',
    region: 'Atyrau Region',
    lat: 47.1167,
    lon: 51.8833,
    population: 400,
    areaCode: '712',
    spread: 0.03,
  },
  {
    code: 'KSN',
    name: 'Kostanay',
    region: 'Kostanay Region',
    lat: 53.2144,
    lon: 63.6246,
    population: 250,
    areaCode: '714',
    spread: 0.03,
  },
  {
    code: 'KZO',
    name: 'Kyzylorda',
    region: 'Kyzylorda Region',
    lat: 44.8528,
    lon: 65.5092,
    population: 330,
    areaCode: '724',
    spread: 0.03,
  },
  {
    code: 'URA',
    name: 'Oral',
    region: 'West Kazakhstan Region',
    lat: 51.2333,
    lon: 51.3667,
    population: 330,
    areaCode: '711',
    spread: 0.03,
  },
  {
    code: 'PPK',
    name: 'Petropavl',
    region: 'North Kazakhstan Region',
    lat: 54.8667,
    lon: 69.15,
    population: 220,
    areaCode: '715',
    spread: 0.025,
  },
  {
    code: 'SCO',
    name: 'Aktau',
    region: 'Mangystau Region',
    lat: 43.65,
    lon: 51.1667,
    population: 270,
    areaCode: '729',
    spread: 0.03,
  },
  {
    code: 'TUR',
    name: 'Turkistan',
    region: 'Turkistan Region',
    lat: 43.3,
    lon: 68.2667,
    population: 230,
    areaCode: '725',
    spread: 0.025,
  },
  {
    code: 'TDK',
    name: 'Taldykorgan',
    region: 'Zhetisu Region',
    lat: 45.0156,
    lon: 78.3739,
    population: 150,
    areaCode: '728',
    spread: 0.02,
  },
  {
    code: 'KOV',
    name: 'Kokshetau',
    region: 'Akmola Region',
    lat: 53.2833,
    lon: 69.3833,
    population: 160,
    areaCode: '716',
    spread: 0.02,
  },
  {
    code: 'DZN',
    name: 'Zhezkazgan',
    region: 'Ulytau Region',
    lat: 47.7833,
    lon: 67.7667,
    population: 90,
    areaCode: '710',
    spread: 0.02,
  },
  {
    code: 'EKB',
    name: 'Ekibastuz',
    region: 'Pavlodar Region',
    lat: 51.7237,
    lon: 75.3229,
    population: 140,
    areaCode: '718',
    spread: 0.02,
  },
];

/** Countries Kazakh subscribers roam to (and take calls from), with a city to place the visited cells. */
export interface Country {
  iso: string;
  name: string;
  lat: number;
  lon: number;
  /** E.164 prefix of the country's mobile numbers; digits after it are random. */
  mobilePrefixes: readonly string[];
  /** Total E.164 digits of a mobile number. */
  length: number;
  /** Relative share of calls and roamers. */
  weight: number;
}

export const COUNTRIES: readonly Country[] = [
  {
    iso: 'RU',
    name: 'Russia',
    lat: 55.7558,
    lon: 37.6173,
    mobilePrefixes: ['7903', '7916', '7926', '7985', '7912'],
    length: 11,
    weight: 40,
  },
  {
    iso: 'UZ',
    name: 'Uzbekistan',
    lat: 41.2995,
    lon: 69.2401,
    mobilePrefixes: ['99890', '99893', '99897'],
    length: 12,
    weight: 15,
  },
  {
    iso: 'KG',
    name: 'Kyrgyzstan',
    lat: 42.8746,
    lon: 74.5698,
    mobilePrefixes: ['996555', '996700', '996777'],
    length: 12,
    weight: 8,
  },
  {
    iso: 'TR',
    name: 'Turkey',
    lat: 41.0082,
    lon: 28.9784,
    mobilePrefixes: ['90532', '90542', '90555'],
    length: 12,
    weight: 12,
  },
  {
    iso: 'CN',
    name: 'China',
    lat: 43.8256,
    lon: 87.6168,
    mobilePrefixes: ['86138', '86139', '86186'],
    length: 13,
    weight: 8,
  },
  {
    iso: 'AE',
    name: 'United Arab Emirates',
    lat: 25.2048,
    lon: 55.2708,
    mobilePrefixes: ['97150', '97155'],
    length: 12,
    weight: 7,
  },
  {
    iso: 'DE',
    name: 'Germany',
    lat: 52.52,
    lon: 13.405,
    mobilePrefixes: ['49151', '49160', '49170'],
    length: 13,
    weight: 5,
  },
  { iso: 'KR', name: 'South Korea', lat: 37.5665, lon: 126.978, mobilePrefixes: ['8210'], length: 12, weight: 5 },
];

/**
 * Premium-rate and hard-to-trace ranges wangiri callers ring from: satellite / international
 * networks and small African and Pacific countries whose termination rates are high.
 */
export const PREMIUM_PREFIXES: readonly { prefix: string; length: number }[] = [
  { prefix: '88216', length: 13 },
  { prefix: '8823', length: 12 },
  { prefix: '22507', length: 13 },
  { prefix: '2359', length: 11 },
  { prefix: '2224', length: 11 },
  { prefix: '2162', length: 11 },
  { prefix: '6787', length: 10 },
  { prefix: '3719', length: 11 },
];

/**
 * Type Allocation Codes (first 8 IMEI digits) by device family. The values follow the shape of
 * real allocations (35… for handsets under GSMA reporting bodies, 86… for Chinese modules) but are
 * not claimed to identify a particular model.
 */
export const HANDSET_TACS: readonly string[] = [
  '35332211', // Apple iPhone-like
  '35391110',
  '35467891',
  '35290611', // Samsung Galaxy-like
  '35176412',
  '35889310',
  '86769204', // Xiaomi / Redmi-like
  '86236405',
  '86012304',
  '86819005', // Huawei / Honor-like
  '35925007', // older feature phones
  '01325400',
];
/** GSM modules used in SIM-box gateways (multi-port VoIP-GSM boxes). */
export const GATEWAY_TACS: readonly string[] = ['86291804', '86552203', '35425906', '86817603'];
/** Cellular IoT modules (LTE-M / NB-IoT / 2G meters and trackers). */
export const IOT_TACS: readonly string[] = ['86695104', '86107505', '35890476', '86451203'];
/** Test probe handsets (drive-test / active monitoring units). */
export const PROBE_TACS: readonly string[] = ['35406108', '35979206'];

/** Appends `count` random decimal digits. */
export function randomDigits(random: Random, count: number): string {
  let s = '';
  while (count >= 6) {
    s += String(1000000 + random.int(1000000)).slice(1);
    count -= 6;
  }
  if (count > 0) s += String(10 ** count + random.int(10 ** count)).slice(1);
  return s;
}

/** A 15-digit IMEI for a TAC: serial plus the Luhn check digit, as on real devices. */
export function makeImei(random: Random, tac: string): string {
  return imeiWithSerial(tac, randomDigits(random, 6));
}

/** A 15-digit IMEI of a TAC and a 6-digit serial (modules of one batch have consecutive serials). */
export function imeiWithSerial(tac: string, serial: string): string {
  const body = tac + serial;
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    let d = body.charCodeAt(i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

/** A foreign mobile number in +E.164. */
export function foreignNumber(random: Random, country: Country): string {
  const prefix = random.pick(country.mobilePrefixes);
  return `+${prefix}${randomDigits(random, country.length - prefix.length)}`;
}
