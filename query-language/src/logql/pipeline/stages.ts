import { RE2JS } from 're2js';
import { assertNever } from '../../ast/ast.js';
import type { PipelineStage } from '../ast/ast.js';
import { compileTemplate, TemplateError } from '../template/template.js';
import { compileJsonPath } from './json-path.js';
import { flattenJson, jsonAtPath, sanitizeLabelKey, topLevelStrings } from './json-scanner.js';
import { compileLabelFilter, compileValueMatcher } from './label-filter.js';
import type { LabelsBuilder } from './labels-builder.js';
import { PipelineErrors } from './labels-builder.js';
import { compileLineFilter } from './line-filter.js';
import { scanLogfmt } from './logfmt.js';
import { compilePattern, matchPattern } from './pattern.js';

/**
 * One step of a log pipeline, Loki's per-line contract: given a line (never mutated: strings are
 * immutable, and stages never keep it), its timestamp and its labels, return the line to pass on
 * (the same string when unchanged) or null to drop it. A stage that fails on a line marks it with
 * `__error__` / `__error_details__` through the builder and passes it on; it never throws.
 */
export interface Stage {
  process(line: string, tsNs: bigint, lbs: LabelsBuilder): string | null;
}

/** Characters of ANSI escape sequences, as Loki's `decolorize` removes them (the `ansi-regex` pattern). */
const ANSI =
  /[\u001B\u009B][[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[a-zA-Z\d]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PRZcf-ntqry=><~]))/g;

/** Compiles one AST stage. Query-time validation has already run, so compiling cannot fail. */
export function compileStage(stage: PipelineStage): Stage {
  switch (stage.type) {
    case 'LineFilter': {
      const test = compileLineFilter(stage);
      return { process: (line) => (test(line) ? line : null) };
    }
    case 'JsonParser': {
      if (stage.params.length === 0) {
        let current: LabelsBuilder;
        const sink = (key: string, value: string): void => current.setParsed(key, value);
        return {
          process(line, _ts, lbs) {
            current = lbs;
            const error = flattenJson(line, sink);
            if (error !== undefined) lbs.setError(PipelineErrors.json, error);
            return line;
          },
        };
      }
      const params = stage.params.map((p) => ({ label: sanitizeLabelKey(p.label, true), path: compileJsonPath(p.path) }));
      return {
        process(line, _ts, lbs) {
          for (const p of params) {
            const v = jsonAtPath(line, p.path);
            if (typeof v === 'object') {
              lbs.setError(PipelineErrors.json, v.error);
              break;
            }
            if (v !== undefined) lbs.setParsed(p.label, v);
          }
          return line;
        },
      };
    }
    case 'LogfmtParser': {
      const wanted = stage.params.length > 0 ? new Map(stage.params.map((p) => [p.path, p.label])) : null;
      let current: LabelsBuilder;
      const sink = (key: string, value: string | null): void => {
        if (wanted) {
          const label = wanted.get(key);
          if (label !== undefined && value !== null) current.setParsed(label, value);
          return;
        }
        if (value === null && !stage.keepEmpty) return;
        const name = sanitizeLabelKey(key, true);
        if (name !== '') current.setParsed(name, value ?? '');
      };
      return {
        process(line, _ts, lbs) {
          current = lbs;
          const error = scanLogfmt(line, stage.strict, sink);
          if (error !== undefined) lbs.setError(PipelineErrors.logfmt, error);
          return line;
        },
      };
    }
    case 'RegexpParser': {
      const re = RE2JS.compile(stage.regex);
      const names = Object.keys(re.namedGroups());
      return {
        process(line, _ts, lbs) {
          const m = re.matcher(line);
          if (!m.find()) return line;
          for (const name of names) {
            const v = m.group(name);
            if (v !== null) lbs.setParsed(name, v);
          }
          return line;
        },
      };
    }
    case 'PatternParser': {
      const p = compilePattern(stage.pattern, true);
      let current: LabelsBuilder;
      const sink = (name: string, value: string): void => current.setParsed(name, value);
      return {
        process(line, _ts, lbs) {
          current = lbs;
          matchPattern(p, line, sink);
          return line;
        },
      };
    }
    case 'UnpackParser': {
      let current: LabelsBuilder;
      let entry: string | undefined;
      const sink = (key: string, value: string): void => {
        if (key === '_entry') entry = value;
        else {
          const name = sanitizeLabelKey(key, true);
          if (name !== '') current.setParsed(name, value);
        }
      };
      return {
        process(line, _ts, lbs) {
          current = lbs;
          entry = undefined;
          const error = topLevelStrings(line, sink);
          if (error !== undefined) {
            lbs.setError(PipelineErrors.json, error);
            return line;
          }
          return entry ?? line;
        },
      };
    }
    case 'LabelFilter': {
      const test = compileLabelFilter(stage.filter);
      return { process: (line, _ts, lbs) => (test(lbs) ? line : null) };
    }
    case 'LineFormat': {
      const template = compileTemplate(stage.template, 'line');
      const ctx = { label: (name: string) => current.get(name), line: '', tsNs: 0n };
      let current: LabelsBuilder;
      return {
        process(line, tsNs, lbs) {
          current = lbs;
          ctx.line = line;
          ctx.tsNs = tsNs;
          try {
            return template.execute(ctx);
          } catch (err) {
            lbs.setError(PipelineErrors.templateFormat, err instanceof TemplateError ? err.message : String(err));
            return line;
          }
        },
      };
    }
    case 'LabelFormat': {
      const ops = stage.ops.map((op) => (op.kind === 'rename' ? op : { ...op, compiled: compileTemplate(op.template, 'label') }));
      // Templates read the labels as they were before this stage, as in Loki.
      const snapshot = new Map<string, string>();
      const ctx = { label: (name: string) => snapshot.get(name), line: '', tsNs: 0n };
      const needsSnapshot = ops.some((op) => op.kind === 'template');
      return {
        process(line, tsNs, lbs) {
          if (needsSnapshot) {
            snapshot.clear();
            lbs.forEach((name, value) => {
              snapshot.set(name, value);
            });
            ctx.line = line;
            ctx.tsNs = tsNs;
          }
          for (const op of ops) {
            if (op.kind === 'rename') {
              const v = lbs.get(op.src);
              if (v !== undefined) {
                lbs.set(op.dst, v);
                if (op.src !== op.dst) lbs.delete(op.src);
              }
              continue;
            }
            try {
              lbs.set(op.dst, (op as { compiled: ReturnType<typeof compileTemplate> }).compiled.execute(ctx));
            } catch (err) {
              lbs.setError(PipelineErrors.templateFormat, err instanceof TemplateError ? err.message : String(err));
            }
          }
          return line;
        },
      };
    }
    case 'Drop': {
      const items = stage.items.map((item) => ({ name: item.name, test: item.matcher ? compileValueMatcher(item.matcher) : null }));
      return {
        process(line, _ts, lbs) {
          for (const item of items) {
            const v = lbs.get(item.name);
            if (v === undefined) continue;
            if (item.test === null || item.test(v)) lbs.delete(item.name);
          }
          return line;
        },
      };
    }
    case 'Keep': {
      const items = stage.items.map((item) => ({ name: item.name, test: item.matcher ? compileValueMatcher(item.matcher) : null }));
      const doomed: string[] = [];
      return {
        process(line, _ts, lbs) {
          doomed.length = 0;
          lbs.forEach((name, value) => {
            const keep = items.some((item) => item.name === name && (item.test === null || item.test(value)));
            if (!keep) doomed.push(name);
          });
          for (const name of doomed) lbs.delete(name);
          return line;
        },
      };
    }
    case 'Decolorize':
      return {
        process(line) {
          if (line.indexOf('\u001b') < 0 && line.indexOf('\u009b') < 0) return line;
          return line.replace(ANSI, '');
        },
      };
    default:
      return assertNever(stage);
  }
}
