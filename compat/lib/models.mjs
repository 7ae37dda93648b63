// Reads a client's own model metadata from the TypeScript sources it ships
// (src/models/*.ts): each model's properties with their wire key, optionality,
// nullability and referenced models or enums, and each enum's values. The checker walks
// a raw JSON answer against that metadata, so "what the client's model has" comes from
// the client itself, not from a list kept here.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The value OpenAPI Generator adds to every enum for values it does not know. */
const UNKNOWN_ENUM = '11184809';

const BUILTIN = new Set(['Array', 'Date', 'Set', 'Blob', 'any', 'string', 'number', 'boolean', 'object', 'key', 'null']);

/** Metadata of every model and enum of one installed client. */
export class ModelIndex {
  constructor(pkgDir) {
    this.dir = join(pkgDir, 'src', 'models');
    this.cache = new Map();
  }

  /** All model/enum names the client ships. */
  names() {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
      .map((f) => f.slice(0, -3));
  }

  /** Parsed metadata of one model or enum, or null when the client has no such file. */
  get(name) {
    if (this.cache.has(name)) return this.cache.get(name);
    const file = join(this.dir, `${name}.ts`);
    const meta = existsSync(file) ? parseModel(name, readFileSync(file, 'utf8')) : null;
    this.cache.set(name, meta);
    return meta;
  }
}

function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/** Parses one generated model file. */
export function parseModel(name, src) {
  const text = stripComments(src);
  const enumMatch = text.match(new RegExp(`export const ${name} = \\{([\\s\\S]*?)\\} as const`));
  if (enumMatch) {
    const values = [...enumMatch[1].matchAll(/:\s*('([^']*)'|-?\d+(\.\d+)?)/g)]
      .map((m) => (m[2] !== undefined ? m[2] : Number(m[1])))
      .filter((v) => v !== UNKNOWN_ENUM && v !== Number(UNKNOWN_ENUM));
    return { kind: 'enum', name, values };
  }
  const iface = text.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`));
  if (!iface) {
    // A type alias (oneOf/anyOf union or a primitive alias): list what it refers to.
    const alias = text.match(new RegExp(`export type ${name} = ([^;]+);`));
    return { kind: 'alias', name, refs: alias ? typeRefs(alias[1]) : [] };
  }
  // Wire keys: FromJSONTyped's object literal reads json['wire'] into 'camel'.
  const wire = new Map();
  const from = text.match(/FromJSONTyped\([^)]*\)[^{]*\{([\s\S]*?)\n\}/);
  if (from) {
    for (const m of from[1].matchAll(/^\s*'(\w+)':\s*(.*?),?$/gm)) {
      const key = m[2].match(/json\['([^']+)'\]/);
      if (key) wire.set(m[1], key[1]);
    }
  }
  // Keys instanceOf… checks: the model's required keys.
  const required = new Set();
  const inst = text.match(/export function instanceOf\w+\([^)]*\)[^{]*\{([\s\S]*?)\n\}/);
  if (inst) {
    for (const m of inst[1].matchAll(/"(\w+)" in value|'(\w+)' in value/g)) required.add(m[1] || m[2]);
  }
  const props = [];
  for (const m of iface[1].matchAll(/^\s*(readonly\s+)?(\w+)(\?)?:\s*(.+?);\s*$/gm)) {
    const [, ro, camel, opt, type] = m;
    props.push({
      name: camel,
      wire: wire.get(camel) ?? camel,
      readonly: Boolean(ro),
      optional: Boolean(opt),
      required: required.has(camel),
      nullable: /\|\s*null\b/.test(type),
      type,
      isArray: /^Array</.test(type),
      isMap: /^\{\s*\[key: string\]/.test(type),
      isDate: /\bDate\b/.test(type),
      refs: typeRefs(type),
    });
  }
  return { kind: 'model', name, props };
}

function typeRefs(type) {
  return [...new Set([...type.matchAll(/\b([A-Z]\w*)\b/g)].map((m) => m[1]).filter((n) => !BUILTIN.has(n)))];
}

function primitiveOf(type) {
  const t = type.replace(/\|\s*null/g, '').trim();
  if (t === 'string') return 'string';
  if (t === 'number') return 'number';
  if (t === 'boolean') return 'boolean';
  return null;
}

/**
 * Walks a raw JSON answer against the client's model `name` and returns the problems
 * a user of that client would see as blanks or wrong values: a key the model has but
 * the answer lacks, null where the model does not allow it, a value of the wrong
 * primitive type, a date that does not parse, an enum value the client does not know.
 * Nested models, arrays and maps of models are walked too.
 */
export function walk(index, name, raw, path = name, problems = []) {
  const meta = index.get(name);
  if (!meta || meta.kind === 'alias') return problems;
  if (meta.kind === 'enum') {
    if (raw !== null && raw !== undefined && !meta.values.includes(raw)) {
      problems.push({ kind: 'enum', path, model: name, detail: `${JSON.stringify(raw)} is not a ${name} value this client knows (${meta.values.join(', ')})` });
    }
    return problems;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ kind: 'type', path, model: name, detail: `expected a ${name} object, got ${JSON.stringify(raw)}` });
    return problems;
  }
  for (const p of meta.props) {
    const here = `${path}.${p.wire}`;
    const at = { path: here, model: name, key: p.wire };
    if (!(p.wire in raw)) {
      problems.push({ kind: 'missing', ...at, detail: `key "${p.wire}" missing (${p.required || !p.optional ? 'required' : 'optional'} ${p.type})` });
      continue;
    }
    const v = raw[p.wire];
    if (v === null) {
      if (!p.nullable) problems.push({ kind: 'null', ...at, detail: `null, but the model's type is ${p.type}` });
      continue;
    }
    const prim = primitiveOf(p.type);
    if (prim && typeof v !== prim) {
      problems.push({ kind: 'type', ...at, detail: `${JSON.stringify(v)} is not a ${prim}` });
      continue;
    }
    if (p.isDate && !p.isArray && Number.isNaN(Date.parse(v))) {
      problems.push({ kind: 'type', ...at, detail: `${JSON.stringify(v)} is not a date` });
      continue;
    }
    const model = p.refs.find((r) => index.get(r));
    if (!model) continue;
    if (p.isArray) {
      if (!Array.isArray(v)) problems.push({ kind: 'type', ...at, detail: `expected an array, got ${JSON.stringify(v)}` });
      else v.forEach((item, i) => walk(index, model, item, `${here}[${i}]`, problems));
    } else if (p.isMap) {
      for (const [k, item] of Object.entries(v)) walk(index, model, item, `${here}.${k}`, problems);
    } else {
      walk(index, model, v, here, problems);
    }
  }
  return problems;
}
