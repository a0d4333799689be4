/**
 * The country the independent generator draws: operators and their number ranges, radio sites
 * with one or more cells of each operator, device type codes (TACs) and number spaces.
 */
import { cumulative, pickCumulative, type Rng } from './rng.ts';

export const OPERATORS = ['KCELL', 'BEELINE', 'TELE2', 'ALTEL'] as const;
export type OperatorId = (typeof OPERATORS)[number];
/** Mobile prefixes after +7 (DESIGN.md §4). */
export const OPERATOR_PREFIXES: readonly (readonly number[])[] = [
  [701, 702, 775, 778],
  [705, 771, 776, 777],
  [707, 747],
  [700, 708],
];
/** Mobile network codes under MCC 401 (Kazakhstan), for IMSIs and cell global ids. */
export const OPERATOR_MNC = ['02', '01', '77', '07'];
/** Rough market shares of subscribers. */
export const OPERATOR_SHARE = [0.33, 0.35, 0.22, 0.1];

/*
 * Type allocation codes. Source: the Osmocom TAC database (tacdb.osmocom.org, CC-BY-SA 3.0,
 * (c) Harald Welte 2016), as mirrored in the public repository rotaryhack/simtel_random_imei
 * (tacdb.csv). Only the 8-digit TAC and the maker/model named there are used.
 */
/** GSM gateways, fixed cellular terminals and the modules such boxes are built from. */
export const GATEWAY_TACS: readonly { tac: string; model: string }[] = [
  { tac: '35371600', model: 'Teles iGATE' },
  { tac: '35259800', model: 'Integrated Telecom Systems CELLBOX' },
  { tac: '86307101', model: 'Quectel M95' },
  { tac: '35511700', model: 'Simcom SIM100S' },
  { tac: '35840400', model: 'SIM Technology SIM100S' },
  { tac: '35124600', model: 'Siemens MC35i' },
  { tac: '35124900', model: 'Siemens TC35i' },
  { tac: '35202100', model: 'Siemens MC55' },
  { tac: '35329200', model: 'Wavecom Q2406A' },
  { tac: '35702300', model: 'Telit GE864-QUAD' },
];
/** Modules of M2M devices (meters, trackers, alarm panels); some overlap with the gateway list, as in life. */
export const MODULE_TACS: readonly { tac: string; model: string }[] = [
  { tac: '86307101', model: 'Quectel M95' },
  { tac: '35649604', model: 'Cinterion BGS2-W' },
  { tac: '35649504', model: 'Cinterion BGS2-E' },
  { tac: '35212900', model: 'Wavecom Fastrack' },
  { tac: '35827800', model: 'Telit GM862-GPS' },
  { tac: '35038900', model: 'Ericsson GM47' },
  { tac: '35509302', model: 'Huawei EM770' },
  { tac: '35124600', model: 'Siemens MC35i' },
];
/** Handsets. */
export const HANDSET_TACS: readonly string[] = [
  '01342100', // Apple iPhone 5
  '01335100', // Apple iPhone 5
  '35381208', // Apple iPhone 7 Plus
  '01342000', // Apple iPhone 5
  '35592104', // Samsung Nexus S
  '35526604', // Samsung Galaxy Nexus
  '35800104', // Samsung Galaxy S
  '86963302', // Xiaomi Redmi Note 2
  '86977402', // Xiaomi Redmi 3
  '86867902', // Xiaomi Redmi 3
  '86365703', // Xiaomi Redmi 3S
  '86450302', // Huawei Honor H30-L02
  '86798002', // Huawei Nexus 6P
  '35258406', // LG Nexus 5
  '35648905', // LG Nexus 4
  '35660305', // Sony Xperia ZR
  '35495703', // HTC Nexus One
  '35722606', // HTC One M9
  '35284505', // Nokia Lumia 710
  '35933604', // Nokia Lumia 710
];

function luhnDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** A 15-digit IMEI: TAC, 6-digit serial, Luhn check digit. */
export function makeImei(tac: string, serial: number): string {
  const body = tac + String(serial % 1_000_000).padStart(6, '0');
  return body + luhnDigit(body);
}

export function handsetImei(rng: Rng): string {
  return makeImei(rng.pick(HANDSET_TACS), rng.int(1_000_000));
}

export interface Region {
  code: string;
  name: string;
  lat: number;
  lon: number;
  weight: number;
}

export const REGIONS: readonly Region[] = [
  { code: 'ALA', name: 'Almaty', lat: 43.238, lon: 76.946, weight: 0.24 },
  { code: 'AST', name: 'Astana', lat: 51.169, lon: 71.449, weight: 0.17 },
  { code: 'SHY', name: 'Shymkent', lat: 42.317, lon: 69.596, weight: 0.14 },
  { code: 'KAR', name: 'Karaganda', lat: 49.806, lon: 73.085, weight: 0.09 },
  { code: 'AKT', name: 'Aktobe', lat: 50.283, lon: 57.167, weight: 0.07 },
  { code: 'ATY', name: 'Atyrau', lat: 47.094, lon: 51.924, weight: 0.06 },
  { code: 'PAV', name: 'Pavlodar', lat: 52.287, lon: 76.967, weight: 0.06 },
  { code: 'UKG', name: 'Oskemen', lat: 49.948, lon: 82.628, weight: 0.06 },
  { code: 'TAZ', name: 'Taraz', lat: 42.9, lon: 71.367, weight: 0.06 },
  { code: 'KST', name: 'Kostanay', lat: 53.214, lon: 63.624, weight: 0.05 },
];
export const REGION_CDF = cumulative(REGIONS.map((r) => r.weight));

export type CellFormat = 'plain' | 'cgi' | 'ecgi' | 'hex';

/** A radio site: one place, with 1–3 sector cells of every operator. */
export interface Site {
  region: number;
  lat: number;
  lon: number;
  /** cells[operator][sector] = global cell index. */
  cells: number[][];
}

export interface Cell {
  operator: number;
  site: number;
  sector: number;
  lac: number;
  ci: number;
}

export class Network {
  readonly sites: Site[] = [];
  readonly cells: Cell[] = [];
  /** Sites of each region. */
  readonly sitesByRegion: number[][] = REGIONS.map(() => []);

  constructor(rng: Rng, subscribers: number) {
    const siteCount = Math.max(REGIONS.length * 6, Math.round(subscribers / 30));
    for (let r = 0; r < REGIONS.length; r++) {
      const count = Math.max(6, Math.round(siteCount * REGIONS[r].weight));
      for (let k = 0; k < count; k++) {
        const site: Site = {
          region: r,
          lat: REGIONS[r].lat + rng.normal() * 0.05,
          lon: REGIONS[r].lon + rng.normal() * 0.07,
          cells: [],
        };
        const siteIndex = this.sites.length;
        for (let op = 0; op < OPERATORS.length; op++) {
          const sectors = rng.intIn(1, 3);
          const lac = 1000 * (op + 1) + r * 50 + rng.int(50);
          const list: number[] = [];
          for (let s = 0; s < sectors; s++) {
            list.push(this.cells.length);
            this.cells.push({ operator: op, site: siteIndex, sector: s, lac, ci: siteIndex * 10 + s + 1 });
          }
          site.cells.push(list);
        }
        this.sites.push(site);
        this.sitesByRegion[r].push(siteIndex);
      }
    }
  }

  randomRegion(rng: Rng): number {
    return pickCumulative(REGION_CDF, rng.next());
  }

  randomSite(rng: Rng, region: number): number {
    return rng.pick(this.sitesByRegion[region]);
  }

  /** The cell of an operator at a site; the sector chosen by a stable key. */
  cellAt(site: number, operator: number, key: number): number {
    const list = this.sites[site].cells[operator];
    return list[(key >>> 0) % list.length];
  }

  /** The cell id as an operator with the given format writes it. */
  cellId(cell: number, format: CellFormat): string {
    const c = this.cells[cell];
    const mnc = OPERATOR_MNC[c.operator];
    const site = this.sites[c.site];
    switch (format) {
      case 'cgi':
        return `401-${mnc}-${c.lac}-${c.ci}`;
      case 'ecgi':
        return `401${mnc}${String(c.site * 256 + c.sector + 1).padStart(9, '0')}`;
      case 'hex':
        return `${mnc}${c.lac.toString(16).toUpperCase().padStart(4, '0')}${c.ci.toString(16).toUpperCase().padStart(4, '0')}`;
      default:
        return `${OPERATORS[c.operator][0]}-${REGIONS[site.region].code}${String(c.site).padStart(4, '0')}-${c.sector + 1}`;
    }
  }
}

/** Country codes that wangiri calls are typically seen from (premium-rate and poorly policed ranges). */
export const WANGIRI_COUNTRY_CODES = [
  '216',
  '222',
  '223',
  '225',
  '232',
  '235',
  '243',
  '252',
  '263',
  '373',
  '381',
  '591',
  '675',
];

/** Countries relatives and business partners call from or are called in (legitimate international traffic). */
export const DIASPORA_PREFIXES = ['+79', '+99890', '+99893', '+99655', '+90532', '+8613', '+4915', '+97150', '+99277'];

/** A foreign number with the given prefix padded to a plausible length. */
export function foreignNumber(rng: Rng, prefix: string): string {
  const length = prefix.startsWith('+7') ? 12 : prefix.length >= 6 ? 13 : 12;
  let s = prefix;
  while (s.length < length) s += rng.int(10);
  return s;
}
