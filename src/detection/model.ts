/**
 * A small explainable classifier: multinomial logistic regression over transformed features.
 * The score of a class is a sum of per-feature terms `weight × standardised value`, so each term
 * is that feature's contribution and goes into the alert's evidence as it is.
 */

/** How a raw feature is turned into a model input: log1p for counts, as-is for shares. */
export type Transform = 'log1p' | 'identity';

export interface LinearModel {
  /** Class names; class 0 is the negative class ("none"). */
  classes: string[];
  features: string[];
  transforms: Transform[];
  mean: number[];
  scale: number[];
  /** weights[class][feature]. */
  weights: number[][];
  bias: number[];
  /** Probability above which a class raises an alert. */
  thresholds: Record<string, number>;
  /** How the model was made, for reproducibility. */
  trainedOn?: unknown;
  /** The model file's version (schema.hash of the weights), named in every alert it raises. */
  version?: string;
}

function transform(value: number, how: Transform): number {
  return how === 'log1p' ? Math.log1p(Math.max(0, value)) : value;
}

/** The model's inputs for one record of raw features, standardised. */
export function standardise(model: LinearModel, raw: Record<string, number>): Float64Array {
  const out = new Float64Array(model.features.length);
  for (let i = 0; i < model.features.length; i++) {
    const value = transform(raw[model.features[i]] ?? 0, model.transforms[i]);
    out[i] = (value - model.mean[i]) / model.scale[i];
  }
  return out;
}

/** Class probabilities (softmax) of standardised inputs. */
export function probabilities(model: LinearModel, x: Float64Array): Float64Array {
  const k = model.classes.length;
  const logits = new Float64Array(k);
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < k; c++) {
    let z = model.bias[c];
    const w = model.weights[c];
    for (let i = 0; i < x.length; i++) z += w[i] * x[i];
    logits[c] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let c = 0; c < k; c++) {
    logits[c] = Math.exp(logits[c] - max);
    sum += logits[c];
  }
  for (let c = 0; c < k; c++) logits[c] /= sum;
  return logits;
}

/** A feature's part in a class's score: its raw value and its contribution (in logit units vs "none"). */
export interface Contribution {
  feature: string;
  value: number;
  contribution: number;
}

/**
 * Per-feature contributions to class `c` against the negative class: the difference of their
 * weights times the standardised input, largest first.
 */
export function contributions(
  model: LinearModel,
  raw: Record<string, number>,
  x: Float64Array,
  c: number,
  top = 8,
): Contribution[] {
  const out: Contribution[] = [];
  for (let i = 0; i < model.features.length; i++) {
    const contribution = (model.weights[c][i] - model.weights[0][i]) * x[i];
    out.push({
      feature: model.features[i],
      value: round(raw[model.features[i]] ?? 0),
      contribution: round(contribution),
    });
  }
  out.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  return out.slice(0, top);
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export interface TrainingOptions {
  classes: string[];
  features: string[];
  transforms: Transform[];
  /** L2 penalty (default 1e-3). */
  l2?: number;
  epochs?: number;
  learningRate?: number;
  /** Weight of each positive class example relative to the negatives, to counter imbalance. */
  positiveWeight?: number;
}

/**
 * Fits the model by full-batch gradient descent (deterministic: same data, same model).
 * `labels[n]` is the class index of example n.
 */
export function trainLinearModel(
  rows: Record<string, number>[],
  labels: number[],
  options: TrainingOptions,
): LinearModel {
  const { classes, features, transforms } = options;
  const l2 = options.l2 ?? 1e-3;
  const epochs = options.epochs ?? 600;
  const rate = options.learningRate ?? 0.5;
  const d = features.length;
  const k = classes.length;
  const n = rows.length;
  const mean = new Array(d).fill(0);
  const scale = new Array(d).fill(0);
  const matrix = rows.map((r) => features.map((f, i) => transform(r[f] ?? 0, transforms[i])));
  for (const row of matrix) for (let i = 0; i < d; i++) mean[i] += row[i] / n;
  for (const row of matrix) for (let i = 0; i < d; i++) scale[i] += (row[i] - mean[i]) ** 2 / n;
  // A constant input gets scale 1, so it contributes nothing instead of dividing by zero.
  for (let i = 0; i < d; i++) scale[i] = Math.sqrt(scale[i]) > 1e-4 ? Math.sqrt(scale[i]) : 1;
  const xs = matrix.map((row) => Float64Array.from(row, (v, i) => (v - mean[i]) / scale[i]));
  // Class weights: each class counts as much as the negatives, capped.
  const classCounts = new Array(k).fill(0);
  for (const y of labels) classCounts[y]++;
  const sampleWeight = classCounts.map((count, c) =>
    c === 0 || count === 0 ? 1 : Math.min(options.positiveWeight ?? 20, classCounts[0] / count),
  );
  let totalWeight = 0;
  for (const y of labels) totalWeight += sampleWeight[y];
  const model: LinearModel = {
    classes,
    features,
    transforms,
    mean,
    scale,
    weights: Array.from({ length: k }, () => new Array(d).fill(0)),
    bias: new Array(k).fill(0),
    thresholds: {},
  };
  const gradW = Array.from({ length: k }, () => new Float64Array(d));
  const gradB = new Float64Array(k);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const g of gradW) g.fill(0);
    gradB.fill(0);
    for (let m = 0; m < n; m++) {
      const x = xs[m];
      const p = probabilities(model, x);
      const w = sampleWeight[labels[m]];
      for (let c = 0; c < k; c++) {
        const error = (p[c] - (labels[m] === c ? 1 : 0)) * w;
        gradB[c] += error;
        const g = gradW[c];
        for (let i = 0; i < d; i++) g[i] += error * x[i];
      }
    }
    for (let c = 0; c < k; c++) {
      model.bias[c] -= (rate * gradB[c]) / totalWeight;
      for (let i = 0; i < d; i++) model.weights[c][i] -= rate * (gradW[c][i] / totalWeight + l2 * model.weights[c][i]);
    }
  }
  model.weights = model.weights.map((w) => w.map(round6));
  model.bias = model.bias.map(round6);
  model.mean = model.mean.map(round6);
  model.scale = model.scale.map(round6);
  return model;
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
