/**
 * The shape of a script V8 ran, read from its generated JavaScript with acorn: its functions
 * (where each starts and ends, the names it is called by) and its calls (the line, the callee's
 * name, the function they are in), and which lines hold code. Profile positions are of the
 * generated script, so this reads that script, never the original source. Pure.
 */
import { type Node, parse } from 'acorn';
import { ancestor } from 'acorn-walk';

export interface FunctionShape {
  /** The name V8 gives it: its own, else the binding or property it is assigned to; '' if none. */
  name: string;
  /** Names a call may use for it (`tallyInvoices`; `foo` for `obj.foo = function …`). */
  names: string[];
  /** Offsets of the function's text, and of its head (where V8's position points) up to its body. */
  start: number;
  end: number;
  bodyStart: number;
  /** 1-based lines of its start and end. */
  startLine: number;
  endLine: number;
  /** Where V8 places it (a frame's position): its parameter list's `(`, 1-based. */
  line: number;
  column: number;
  /** The innermost function it is written in, as an index into `functions`; -1 at the top. */
  parent: number;
  /** The functions written directly in it. */
  children: number[];
}

export interface CallShape {
  /** 1-based line of the callee's name (a chain's links each on their own line). */
  line: number;
  /** The callee's name: an identifier's, or a member's property (`digest` of `h.digest()`). */
  callee: string;
  /** The innermost function the call is written in; -1 at the top. */
  fn: number;
}

export interface ScriptShape {
  /** In order of their start. */
  functions: FunctionShape[];
  calls: CallShape[];
  /** The script's text, and its comments as [start, end) offsets in order. */
  code: string;
  comments: number[];
  /** Offset of each line's start: `lineStarts[line - 1]`. */
  lineStarts: number[];
}

type AnyNode = Node & Record<string, unknown>;

/** The shape of a script, or undefined when acorn cannot read it (TypeScript, a syntax error). */
export function scriptShape(code: string): ScriptShape | undefined {
  const lineStarts = lineStartsOf(code);
  let comments: number[] = [];
  const onComment = (_block: boolean, _text: string, start: number, end: number) => {
    comments.push(start, end);
  };
  let ast: Node | undefined;
  for (const sourceType of ['script', 'module'] as const) {
    comments = [];
    try {
      ast = parse(code, {
        ecmaVersion: 'latest',
        sourceType,
        allowHashBang: true,
        allowReturnOutsideFunction: sourceType === 'script',
        allowAwaitOutsideFunction: true,
        onComment,
      });
      break;
    } catch {
      ast = undefined;
    }
  }
  if (!ast) return undefined;

  const found: FunctionShape[] = [];
  const callsFound: { at: number; line: number; callee: string }[] = [];
  const visitFunction = (node: Node, _state: unknown, ancestors: Node[]) => {
    const fn = node as AnyNode;
    const body = fn.body as Node;
    const { name, names } = namesOf(fn, ancestors[ancestors.length - 2] as AnyNode | undefined);
    found.push({
      name,
      names,
      start: node.start,
      end: node.end,
      bodyStart: body.start,
      startLine: lineAt(lineStarts, node.start),
      endLine: lineAt(lineStarts, Math.max(node.start, node.end - 1)),
      line: 0,
      column: 0,
      parent: -1,
      children: [],
    });
  };
  const visitCall = (node: Node) => {
    const callee = (node as AnyNode).callee as AnyNode;
    const named = calleeName(callee);
    if (named)
      callsFound.push({ at: node.start, line: lineAt(lineStarts, named.at), callee: named.callee });
  };
  ancestor(ast, {
    FunctionDeclaration: visitFunction,
    FunctionExpression: visitFunction,
    ArrowFunctionExpression: visitFunction,
    CallExpression: visitCall,
    NewExpression: visitCall,
  });

  found.sort((a, b) => a.start - b.start || b.end - a.end);
  // Parents: the innermost function still open at each start.
  const open: number[] = [];
  found.forEach((f, i) => {
    while (open.length > 0 && found[open[open.length - 1]].end <= f.start) open.pop();
    f.parent = open.length > 0 ? open[open.length - 1] : -1;
    if (f.parent >= 0) found[f.parent].children.push(i);
    open.push(i);
  });
  for (const f of found) {
    const paren = code.slice(f.start, f.bodyStart).indexOf('(');
    const head = paren >= 0 ? f.start + paren : f.start;
    f.line = lineAt(lineStarts, head);
    f.column = head - lineStarts[f.line - 1] + 1;
  }
  const calls = callsFound.map(({ at, line, callee }) => ({
    line,
    callee,
    fn: innermostAt(found, at),
  }));
  return { functions: found, calls, code, comments, lineStarts };
}

/** The innermost function whose text holds the offset; -1 when none. */
export function innermostAt(functions: readonly FunctionShape[], offset: number): number {
  let at = lastStartingBy(functions, offset);
  while (at >= 0 && offset >= functions[at].end) at = functions[at].parent;
  return at;
}

/**
 * The function a profile's frame names: V8's position (1-based line and column) is in the
 * function's head, from its start to its body (the parameter list's `(`, or a method's name).
 */
export function functionAt(shape: ScriptShape, line: number, column: number): number {
  const lineStart = shape.lineStarts[line - 1];
  if (lineStart === undefined) return -1;
  const offset = lineStart + column - 1;
  const { functions } = shape;
  // Every function that holds the offset holds the last one to start by it (they nest).
  let at = lastStartingBy(functions, offset);
  while (at >= 0 && offset >= functions[at].bodyStart) at = functions[at].parent;
  return at;
}

/** The last function (in order of start) that starts at or before the offset; -1 when none. */
function lastStartingBy(functions: readonly FunctionShape[], offset: number): number {
  let low = 0;
  let high = functions.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (functions[mid].start <= offset) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

/**
 * Whether a line holds the function's own code: within its lines, and not wholly inside a
 * function written in it (whose first and last lines it shares).
 */
export function ownsLine(shape: ScriptShape, fn: number, line: number): boolean {
  const f = shape.functions[fn];
  if (line < f.startLine || line > f.endLine || !isCodeLine(shape, line)) return false;
  for (const child of f.children) {
    const g = shape.functions[child];
    if (g.startLine < line && line < g.endLine) return false;
  }
  return true;
}

/** Whether a 1-based line holds code: something but white space outside comments. */
export function isCodeLine(shape: ScriptShape, line: number): boolean {
  const { code, comments, lineStarts } = shape;
  const start = lineStarts[line - 1];
  if (start === undefined) return false;
  const end = line < lineStarts.length ? lineStarts[line] : code.length;
  // The first comment that ends after the line's start.
  let low = 0;
  let high = comments.length / 2;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (comments[2 * mid + 1] <= start) low = mid + 1;
    else high = mid;
  }
  let at = start;
  for (let c = low; at < end; c++) {
    const from = c < comments.length / 2 ? Math.min(comments[2 * c], end) : end;
    for (; at < from; at++) if (!/\s/.test(code[at])) return true;
    if (c >= comments.length / 2) break;
    at = Math.max(at, comments[2 * c + 1]);
  }
  return false;
}

/** Whether `inner` is written inside `outer` (at any depth). */
export function isNestedIn(shape: ScriptShape, inner: number, outer: number): boolean {
  for (let p = shape.functions[inner].parent; p >= 0; p = shape.functions[p].parent)
    if (p === outer) return true;
  return false;
}

function namesOf(fn: AnyNode, parent: AnyNode | undefined): { name: string; names: string[] } {
  const own = (fn.id as AnyNode | null)?.name as string | undefined;
  if (own) return { name: own, names: [own] };
  if (!parent) return { name: '', names: [] };
  if (parent.type === 'VariableDeclarator' && parent.init === fn) {
    const id = parent.id as AnyNode;
    if (id.type === 'Identifier') return single(id.name as string);
  }
  if (parent.type === 'AssignmentExpression' && parent.right === fn) {
    const left = parent.left as AnyNode;
    if (left.type === 'Identifier') return single(left.name as string);
    if (left.type === 'MemberExpression') {
      const property = propertyName(left);
      const dotted = dottedName(left);
      if (property) return { name: dotted ?? property, names: [property] };
    }
  }
  if (
    (parent.type === 'Property' ||
      parent.type === 'MethodDefinition' ||
      parent.type === 'PropertyDefinition') &&
    parent.value === fn
  ) {
    const key = keyName(parent.key as AnyNode, parent.computed as boolean);
    if (key) return single(key);
  }
  return { name: '', names: [] };
}

const single = (name: string) => ({ name, names: [name] });

function keyName(key: AnyNode, computed: boolean): string | undefined {
  if (!computed && key.type === 'Identifier') return key.name as string;
  if (key.type === 'Literal' && typeof key.value === 'string') return key.value;
  return undefined;
}

function propertyName(member: AnyNode): string | undefined {
  return keyName(member.property as AnyNode, member.computed as boolean);
}

/** `a.b.c` for a member chain of plain names (V8's inferred name), else undefined. */
function dottedName(node: AnyNode): string | undefined {
  if (node.type === 'Identifier') return node.name as string;
  if (node.type === 'ThisExpression') return 'this';
  if (node.type !== 'MemberExpression' || node.computed) return undefined;
  const object = dottedName(node.object as AnyNode);
  const property = propertyName(node);
  return object && property ? `${object}.${property}` : undefined;
}

/** The callee's name, and the offset of that name (a chain's links on lines of their own). */
function calleeName(callee: AnyNode): { at: number; callee: string } | undefined {
  if (callee.type === 'Identifier') return { at: callee.start, callee: callee.name as string };
  if (callee.type === 'MemberExpression') {
    const name = propertyName(callee);
    const property = callee.property as AnyNode;
    if (name) return { at: property.start, callee: name };
  }
  if (callee.type === 'ChainExpression') return calleeName(callee.expression as AnyNode);
  return undefined;
}

function lineStartsOf(code: string): number[] {
  const starts = [0];
  for (let at = code.indexOf('\n'); at >= 0; at = code.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}

/** The 1-based line of an offset. */
function lineAt(lineStarts: number[], offset: number): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}
