/** A numbering plan as stored in `data/numbering/<country>.json`. */
export interface NumberingPlanFile {
  country: string;
  name: string;
  /** E.164 country code, digits only ("7"). */
  countryCode: string;
  /** Trunk prefix of the national format ("8" in Kazakhstan). */
  nationalPrefix: string;
  /** Digits after the country code in a full national number. */
  nationalNumberLength: number;
  source?: string;
  /**
   * How a country code shared by several countries (world zone +7) is split, by the first
   * `codeDigits` digits after the country code. Codes in no list are reserve (unallocated anywhere).
   */
  zone?: {
    codeDigits: number;
    domestic: string[];
    foreign: Record<string, string[]>;
    /** Owner decided by each country's allocations: domestic only where this plan allocates. */
    shared: string[];
  };
  operators: { id: string; name: string; participating: boolean }[];
  allocations: Allocation[];
}

export type NumberType = 'mobile' | 'fixed' | 'other';

/** A block of numbers given to one operator: every national number starting with `prefix`. */
export interface Allocation {
  prefix: string;
  operator: string;
  type: NumberType;
  region?: string;
}

/** What the plan says about one number. */
export type Classification =
  | { zone: 'domestic'; allocation: Allocation }
  | { zone: 'unallocated' }
  | { zone: 'foreign'; country: string | null }
  | { zone: 'malformed' };
