// Tune a training job from Node.js 18+ with the built-in fetch (no npm packages).
//
//   OPTIMIZER_URL=http://127.0.0.1:8000 node tune.mjs
//
// With tokens on (`optimizer-api token create --owner NAME`), set OPTIMIZER_TOKEN: every
// request then carries it as `Authorization: Bearer <token>`.
//
// Several async workers share one study: each asks for a trial, "trains" it epoch by
// epoch reporting the loss (and stops when the service says so), then reports the final
// loss. Settings: STUDY_NAME (node-example), TRIALS (10), WORKERS (3), EPOCHS (6).
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

const URL = (process.env.OPTIMIZER_URL ?? "http://127.0.0.1:8000").replace(/\/$/, "");
const NAME = process.env.STUDY_NAME ?? "node-example";
const TRIALS = Number(process.env.TRIALS ?? 10);
const WORKERS = Number(process.env.WORKERS ?? 3);
const EPOCHS = Number(process.env.EPOCHS ?? 6);
const TOKEN = process.env.OPTIMIZER_TOKEN;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// One request, retried on connection errors and 502/503/504 (honoring Retry-After). A POST
// keeps one Idempotency-Key across its retries, so the service applies it only once.
async function call(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (TOKEN) headers["Authorization"] = `Bearer ${TOKEN}`;
  if (method === "POST") headers["Idempotency-Key"] = randomUUID();
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(URL + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      if (attempt >= 5) throw error;
      await sleep(250 * 2 ** attempt);
      continue;
    }
    if ([502, 503, 504].includes(response.status) && attempt < 5) {
      const wait = Number(response.headers.get("Retry-After") ?? 0) * 1000;
      await sleep(Math.max(wait, 250 * 2 ** attempt));
      continue;
    }
    const answer = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${answer.detail}`);
    return answer;
  }
}

// The "training job": the loss after `epoch` epochs. Replace it with your own code.
function trainEpoch({ lr, width, activation }, epoch) {
  const penalty = activation === "tanh" ? 0.3 : 0.0;
  return (Math.log10(lr) + 2.5) ** 2 + (width - 96) ** 2 / 5000 + penalty + 2.0 / epoch;
}

async function worker(study, id) {
  const workerId = `node-${hostname()}-${process.pid}-${id}`;
  for (;;) {
    const { trials } = await call("POST", `/v1/studies/${study.id}/suggest`, {
      count: 1,
      worker_id: workerId,
    });
    if (trials.length === 0) return; // the study has all its results
    const trial = trials[0];
    let final = null;
    let loss;
    for (let epoch = 1; epoch <= EPOCHS; epoch++) {
      loss = trainEpoch(trial.params, epoch);
      const observed = `/v1/studies/${study.id}/observe`;
      const { should_stop } = await call("POST", observed, {
        trial_id: trial.id,
        step: epoch,
        value: loss,
      });
      if (should_stop) {
        final = { trial_id: trial.id, pruned: true, value: loss };
        break;
      }
    }
    final ??= { trial_id: trial.id, value: loss };
    const done = (await call("POST", `/v1/studies/${study.id}/observe`, final)).trial;
    console.log("trial", done.number, done.state, JSON.stringify(done.params), done.value);
  }
}

const study = await call("POST", "/v1/studies", {
  name: NAME,
  direction: "minimize",
  max_trials: TRIALS,
  seed: 1,
  algorithm: { name: "random" },
  early_stopping: { rule: "median", min_steps: 2, min_trials: 3 },
  space: {
    lr: { type: "float", low: 1e-5, high: 1, log: true },
    width: { type: "int", low: 16, high: 256, step: 16 },
    activation: { type: "categorical", choices: ["relu", "tanh"] },
  },
});
console.log(`study ${study.name} (id ${study.id}) at ${URL}, ${WORKERS} workers`);
await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(study, i)));
const { trial: best } = await call("GET", `/v1/studies/${study.id}/best`);
console.log("best", JSON.stringify(best.params), best.value);
