/**
 * One-vs-rest logistic regression with L2, trained by full-batch gradient descent from zero weights: no random
 * start and no shuffling, so the same coded answers always give the same model. Each theme gets its own yes/no
 * model because an answer may belong to several themes. Pure.
 */
import type { SparseVector } from './tfidf.js'

export interface LinearModel {
  /** weights[c][j]: how much feature j pushes towards class c. */
  weights: number[][]
  bias: number[]
}

export interface TrainOptions {
  epochs?: number
  learningRate?: number
  l2?: number
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)))

/** labels[i] lists the classes (0..classes-1) of example i. */
export function trainOneVsRest(
  xs: SparseVector[],
  labels: number[][],
  classes: number,
  features: number,
  opts: TrainOptions = {},
): LinearModel {
  const epochs = opts.epochs ?? 300
  const lr = opts.learningRate ?? 2
  const l2 = opts.l2 ?? 1e-3
  const n = xs.length
  const weights: number[][] = []
  const bias: number[] = []
  for (let c = 0; c < classes; c++) {
    const w = new Float64Array(features)
    let b = 0
    const y = labels.map((ls) => (ls.includes(c) ? 1 : 0))
    const grad = new Float64Array(features)
    for (let e = 0; e < epochs && n > 0; e++) {
      grad.fill(0)
      let gb = 0
      for (let i = 0; i < n; i++) {
        const x = xs[i]!
        let z = b
        for (let k = 0; k < x.idx.length; k++) z += w[x.idx[k]!]! * x.val[k]!
        const err = sigmoid(z) - y[i]!
        gb += err
        for (let k = 0; k < x.idx.length; k++) grad[x.idx[k]!]! += err * x.val[k]!
      }
      for (let j = 0; j < features; j++) w[j]! -= lr * (grad[j]! / n + l2 * w[j]!)
      b -= (lr * gb) / n
    }
    weights.push([...w])
    bias.push(b)
  }
  return { weights, bias }
}

/** Probability of each class for one example. */
export function predict(model: LinearModel, x: SparseVector): number[] {
  return model.weights.map((w, c) => {
    let z = model.bias[c]!
    for (let k = 0; k < x.idx.length; k++) z += (w[x.idx[k]!] ?? 0) * x.val[k]!
    return sigmoid(z)
  })
}

/** The features that pushed this example towards class c most (weight × value), strongest first. */
export function explain(
  model: LinearModel,
  x: SparseVector,
  c: number,
  top = 5,
): { feature: number; weight: number }[] {
  const w = model.weights[c] ?? []
  return x.idx
    .map((j, k) => ({ feature: j, weight: (w[j] ?? 0) * x.val[k]! }))
    .filter((f) => f.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.feature - b.feature)
    .slice(0, top)
}
