// One client under test against one racd: builds its API objects, records every HTTP
// exchange, calls operations by method name, and turns what happens into step results
// (ok / FAIL with causes / n/a / skip) for the matrix.
import { isDeepStrictEqual } from 'node:util';
import { loadClient, packageDir } from './clients.mjs';
import { ModelIndex, walk } from './models.mjs';
import { operationTable } from './ops.mjs';

/** Thrown by a step whose client has no such operation: the cell reads "n/a". */
export class NotApplicable extends Error {}
/** Thrown by a step whose input an earlier failed step should have made: "skip". */
export class Skipped extends Error {}

/** A problem found in one step; `kind` is what the server work keys on. */
function problem(kind, detail, exchange) {
  return { kind, detail, exchange: exchange ? { ...exchange } : null };
}

/** Throws Skipped unless every named value is there. */
export function need(state, ...keys) {
  const missing = keys.filter((k) => state[k] === undefined || state[k] === null);
  if (missing.length) throw new Skipped(`needs ${missing.join(', ')} from an earlier step`);
}

export class ClientUnderTest {
  /**
   * `genuine` maps "Model.key" to {kind, reason}: a missing key or null that authentik
   * itself answers there (the client's schema is stricter than authentik), so it is no
   * blank. Every entry needs a reason (scenario.mjs's GENUINE holds them).
   */
  constructor(client, baseUrl, token, genuine = {}) {
    this.client = client;
    this.genuine = genuine;
    this.baseUrl = baseUrl;
    const { module, entry } = loadClient(client.alias);
    this.mod = module;
    this.entry = entry;
    this.ops = operationTable(module);
    this.models = new ModelIndex(packageDir(client.alias));
    this.results = [];
    this.admin = this.session(token);
    /** The session of the latest call, whose exchange a value check reports. */
    this.lastSession = this.admin;
  }

  /** API objects of this client authenticated with `key`, with exchange capture. */
  session(key) {
    const last = {};
    const config = new this.mod.Configuration({
      basePath: `${this.baseUrl}/api/v3`,
      accessToken: async () => key,
      middleware: [
        {
          pre: async (ctx) => {
            for (const k of Object.keys(last)) delete last[k];
            last.method = ctx.init.method;
            last.url = ctx.url.replace(this.baseUrl, '');
            last.requestBody = typeof ctx.init.body === 'string' ? ctx.init.body : undefined;
          },
          post: async (ctx) => {
            last.status = ctx.response.status;
            last.body = await ctx.response.clone().text();
          },
        },
      ],
    });
    const apis = {};
    for (const [name, cls] of Object.entries(this.mod)) {
      if (/Api$/.test(name) && typeof cls === 'function' && name !== 'BaseAPI') apis[name] = new cls(config);
    }
    return { apis, last, key };
  }

  /**
   * The first of `names` this client has. A missing one is an error of the scenario or
   * the adapter table (which decides what is n/a), never a silent skip.
   */
  pick(...names) {
    for (const n of names) if (this.ops.byName.has(n)) return n;
    throw new Error(`this client has no method ${names.join(' / ')} (check ADAPTERS in scenario.mjs)`);
  }

  has(name) {
    return this.ops.byName.has(name);
  }

  /** Whether this client's request model `model` has the member `camel`. */
  hasMember(model, camel) {
    const m = this.models.get(model);
    return Boolean(m && m.kind === 'model' && m.props.some((p) => p.name === camel));
  }

  /**
   * Calls `method` (one name, or alternatives for renamed operations) with path/query
   * parameters and an optional body in the client's own (camelCase) form. Checks the
   * raw answer against the client's response model and the deserialized value with
   * instanceOf…; any problem is recorded on `step`. Returns the deserialized value.
   */
  async call(step, method, params = {}, body, session = this.admin) {
    const name = Array.isArray(method) ? this.pick(...method) : this.pick(method);
    const op = this.ops.byName.get(name);
    step.calls.push(`${name} → ${op.method} ${op.path}`);
    const args = { ...params };
    if (body !== undefined) args[op.bodyParam] = body;
    this.lastSession = session;
    let value;
    try {
      value = await session.apis[op.api][name](args);
    } catch (err) {
      step.problems.push(problem('throw', await describeError(err, session.last), session.last));
      throw new StepAborted();
    }
    this.checkAnswer(step, op.responseModel, op.responseArray, value, session.last);
    return value;
  }

  /** Runs the generic model checks on one answer. */
  checkAnswer(step, model, isArray, value, exchange) {
    if (!model) return;
    let raw;
    try {
      raw = JSON.parse(exchange.body);
    } catch {
      step.problems.push(problem('throw', 'answer is not JSON', exchange));
      return;
    }
    const found = [];
    if (isArray) {
      if (!Array.isArray(raw)) found.push({ kind: 'type', path: model, detail: 'expected a JSON array' });
      else raw.forEach((item, i) => walk(this.models, model, item, `${model}[${i}]`, found));
    } else {
      walk(this.models, model, raw, model, found);
    }
    const inst = this.mod[`instanceOf${model}`];
    const values = isArray ? value || [] : [value];
    if (typeof inst === 'function' && this.models.get(model)?.kind === 'model') {
      values.forEach((v, i) => {
        if (v && typeof v === 'object' && !inst(v)) found.push({ kind: 'instanceOf', path: `${model}${isArray ? `[${i}]` : ''}`, detail: `instanceOf${model} is false` });
      });
    }
    for (const f of found) {
      const g = f.model && f.key ? this.genuine[`${f.model}.${f.key}`] : null;
      if (g && g.kind === f.kind) continue;
      step.problems.push(problem(f.kind, `${f.path}: ${f.detail}`, exchange));
    }
  }

  /** Records a value check: `actual` must deep-equal `expected`. */
  expectEqual(step, what, actual, expected) {
    const norm = (v) => (v instanceof Date ? v.toISOString() : v);
    if (!isDeepStrictEqual(norm(actual), norm(expected))) {
      step.problems.push(problem('value', `${what}: got ${JSON.stringify(norm(actual))}, wrote/expected ${JSON.stringify(norm(expected))}`, this.lastSession.last));
    }
  }

  /** Records each written member of `written` that reads back differently in `obj`. */
  expectWritten(step, what, obj, written) {
    for (const [k, v] of Object.entries(written)) {
      let actual = obj?.[k];
      let want = v;
      if (Array.isArray(actual) && Array.isArray(want)) {
        actual = [...actual].sort();
        want = [...want].sort();
      }
      this.expectEqual(step, `${what}.${k}`, actual, want);
    }
  }

  /** Expects the call to fail with one of the HTTP `statuses` (e.g. 404 after a delete). */
  async expectStatus(step, statuses, method, params = {}, session = this.admin) {
    const want = [].concat(statuses);
    const name = Array.isArray(method) ? this.pick(...method) : this.pick(method);
    const op = this.ops.byName.get(name);
    step.calls.push(`${name} → ${op.method} ${op.path} (expects ${want.join('/')})`);
    try {
      await session.apis[op.api][name](params);
    } catch (err) {
      if (want.includes(session.last.status)) return;
      step.problems.push(problem('status', `expected HTTP ${want.join('/')}: ${await describeError(err, session.last)}`, session.last));
      return;
    }
    step.problems.push(problem('status', `expected HTTP ${want.join('/')}, got ${session.last.status}`, session.last));
  }

  /** A request the client has no method for (racd's own launch), through its runtime. */
  async raw(step, method, path, body, session = this.admin) {
    step.calls.push(`(runtime) ${method} ${path}`);
    this.lastSession = session;
    const api = Object.values(session.apis)[0];
    try {
      const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${session.key}` };
      const resp = await api.request({ path, method, headers, query: {}, body });
      return await resp.json();
    } catch (err) {
      step.problems.push(problem('throw', await describeError(err, session.last), session.last));
      throw new StepAborted();
    }
  }

  /** Runs one step of the scenario and records its result. */
  async step(name, fn) {
    const step = { name, calls: [], problems: [], status: 'ok', note: '' };
    try {
      await fn(step);
    } catch (err) {
      if (err instanceof NotApplicable) {
        step.status = 'n/a';
        step.note = err.message;
      } else if (err instanceof Skipped) {
        step.status = 'skip';
        step.note = err.message;
      } else if (!(err instanceof StepAborted)) {
        step.problems.push(problem('error', err && err.stack ? err.stack.split('\n').slice(0, 3).join(' | ') : String(err), null));
      }
    }
    if (step.problems.length) step.status = 'FAIL';
    this.results.push(step);
    return step;
  }
}

/** Ends a step after a recorded problem that leaves nothing to check. */
class StepAborted extends Error {}

async function describeError(err, last) {
  const http = last && last.status !== undefined ? `HTTP ${last.status} ${last.method} ${last.url}` : 'no HTTP answer';
  const body = last && last.body !== undefined ? ` body=${JSON.stringify(last.body.slice(0, 300))}` : '';
  const name = err && err.name ? err.name : 'Error';
  const msg = err && err.message ? err.message : String(err);
  return `${name}: ${msg} (${http}${body})`;
}
