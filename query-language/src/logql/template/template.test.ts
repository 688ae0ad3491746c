import { describe, expect, it } from 'vitest';
import { compileTemplate, TemplateError } from './template.js';
import { goSprintf } from './template-functions.js';

const labels: Record<string, string> = { a: 'Hello World', n: '42', empty: '' };
const ctx = { label: (name: string) => labels[name], line: 'the line', tsNs: 1_700_000_000_123_456_789n };

describe('templates', () => {
  it.each([
    ['{{.a}}', 'Hello World'],
    ['{{ .a | ToLower }}', 'hello world'],
    ['{{ ToUpper .a }}', 'HELLO WORLD'],
    ['{{ .missing }}|', '|'],
    ['{{ .empty | default "dflt" }}', 'dflt'],
    ['{{ .a | replace "World" "There" }}', 'Hello There'],
    ['{{ Replace .a "l" "L" 2 }}', 'HeLLo World'],
    ['{{ .a | trunc 5 }}', 'Hello'],
    ['{{ .a | substr 6 11 }}', 'World'],
    ['{{ regexReplaceAll "o(\\\\w)" .a "0$1" }}', 'Hello W0rld'],
    ['{{ TrimPrefix .a "Hello " }}', 'World'],
    ['{{ .a | trimSuffix "World" | trim }}', 'Hello'],
    ['{{ printf "%s=%d" "n" 42 }}', 'n=42'],
    ['{{ if gt (.n | int) 40 }}big{{ else }}small{{ end }}', 'big'],
    ['{{ if eq .n "1" }}one{{ else if eq .n "42" }}answer{{ end }}', 'answer'],
    ['a {{- " b " -}} c', 'a b c'],
    ['{{/* comment */}}x', 'x'],
    ['{{ __line__ | upper }}', 'THE LINE'],
    ['{{ __timestamp__ | date "2006-01-02 15:04:05.000" }}', '2023-11-14 22:13:20.123'],
    ['{{ __timestamp__ | unixEpochMillis }}', '1700000000123'],
    ['{{ .a | b64enc | b64dec }}', 'Hello World'],
    ['{{ alignRight 5 .n }}|{{ alignLeft 4 .n }}|', '   42|42  |'],
  ])('%s renders %j', (source, expected) => {
    expect(compileTemplate(source).execute(ctx)).toBe(expected);
  });

  it.each([['{{ nope }}'], ['{{ .a '], ['{{ if .a }}x'], ['{{ range .a }}{{ end }}'], ['{{ $x := 1 }}'], ['{{ .a | "x" }}']])(
    'rejects %s at compile time',
    (source) => {
      expect(() => compileTemplate(source)).toThrow(TemplateError);
    },
  );

  it('formats printf verbs like Go', () => {
    expect(goSprintf('%5.2f|%-4s|%04d|%x|%q|%%|%d', [1.23456, 'ab', 7, 255, 'q', 'x'])).toBe(' 1.23|ab  |0007|ff|"q"|%|%!d(string=x)');
  });
});
